import { beforeAll, describe, expect, it } from 'vitest';
import { examplePolicy } from '../harness/fixtures';
import { loadPackagedStack, ofType } from './packagedStackFixtures';

// The packaged functions' roles: what each may do to the resources it scales.

beforeAll(loadPackagedStack);

describe('the packaged stack', () => {
  // Issue 11, item 1: the RDS role could delete `db:<source>` itself, unconditionally.
  describe('least privilege (defect: the RDS function may delete the primary database)', () => {
    type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: any };
    const account = { 'AWS::Partition': 'aws', 'AWS::Region': 'us-east-1', 'AWS::AccountId': '123456789012' };
    const resolve = (r: unknown): string =>
      typeof r === 'string'
        ? r
        : String((r as { 'Fn::Sub'?: string })['Fn::Sub'] ?? JSON.stringify(r)).replace(
            /\$\{([^}]+)\}/g,
            (_, name: string) => account[name as keyof typeof account] ?? `\${${name}}`,
          );
    const glob = (pattern: string) =>
      new RegExp(
        `^${pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      );
    const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
    const statements = () =>
      ofType('AWS::IAM::Role').flatMap(([role, r]) =>
        (r.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) =>
          p.PolicyDocument.Statement.filter((st) => st.Effect === 'Allow').map((st) => ({ role, st })),
        ),
      );
    // Each target's own resource, and the one action that may touch it: the scaling action itself
    // (CreateDBInstanceReadReplica only reads the source; RDS authorises it against the source too).
    const protectedResources = examplePolicy().targets.map((t) =>
      t.kind === 'asg'
        ? {
            arn: `arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0f6c:autoScalingGroupName/${t.autoScalingGroupName}`,
            service: 'autoscaling',
            scaling: 'autoscaling:SetDesiredCapacity',
          }
        : t.kind === 'rds-replicas'
          ? {
              arn: `arn:aws:rds:us-east-1:123456789012:db:${t.sourceDbInstanceIdentifier}`,
              service: 'rds',
              scaling: 'rds:CreateDBInstanceReadReplica',
            }
          : {
              arn: `arn:aws:elasticache:us-east-1:123456789012:replicationgroup:${t.replicationGroupId}`,
              service: 'elasticache',
              scaling: 'elasticache:ModifyReplicationGroupShardConfiguration',
            },
    );

    it('no statement of any role allows a mutating action on a source instance, a group or a replication group', () => {
      const offending: string[] = [];
      let checked = 0;
      for (const { role, st } of statements())
        for (const target of protectedResources) {
          if (!list(st.Resource).some((r) => glob(resolve(r)).test(target.arn))) continue;
          for (const action of list(st.Action)) {
            const [service, name = ''] = action.split(':');
            if (service !== target.service && service !== '*') continue;
            checked += 1;
            const readOnly = /^(Describe|List|Get)[A-Za-z]*\*?$/.test(name);
            // Issue 14: the predict role mirrors the floors as scheduled MinSize actions on predictive groups
            // (bounded by MaxSize), deletes the ones it left behind and tags the groups it writes to (issue
            // 20, item 6: the tag's key and value only); it has no other write (tests/template/predictStack.test.ts).
            const forecastMirror =
              role === 'PredictRole' &&
              [
                'autoscaling:BatchPutScheduledUpdateGroupAction',
                'autoscaling:BatchDeleteScheduledAction',
                'autoscaling:CreateOrUpdateTags',
              ].includes(action);
            if (!readOnly && !forecastMirror && action !== target.scaling)
              offending.push(`${role}: ${action} on ${target.arn}`);
          }
        }
      expect(offending).toEqual([]);
      expect(checked).toBeGreaterThanOrEqual(3); // the scaling actions themselves were seen
    });

    it('every RDS delete needs both Scalepilot tags with its target, and only on replica names', () => {
      const deletes = statements().filter(({ st }) =>
        list(st.Action).some((a) => glob(a).test('rds:DeleteDBInstance')),
      );
      expect(deletes.length).toBeGreaterThan(0);
      for (const { st } of deletes) {
        expect(st.Condition?.StringEquals).toEqual({
          'rds:db-tag/scalepilot:managed': 'true',
          'rds:db-tag/scalepilot:target': 'events-db',
        });
        // Replica names only (issue 20, item 1): one or two characters after the prefix, nothing longer.
        expect(list(st.Resource).map(resolve)).toEqual([
          'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-?',
          'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-??',
        ]);
      }
    });

    it('creating a replica needs Scalepilot’s tags in the request, never the draining tag; tagging on replica names only', () => {
      const byAction = (action: string) =>
        statements().filter(({ st }) => list(st.Action).some((a) => glob(a).test(action)));
      const tags = {
        'aws:RequestTag/scalepilot:managed': 'true',
        'aws:RequestTag/scalepilot:target': 'events-db',
      };
      // Draining (issue 12) is the one tag set after creation: a statement of its own, below.
      const draining = ({ st }: { st: Statement }) =>
        JSON.stringify(st.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']) ===
        '["scalepilot:draining"]';
      expect(byAction('rds:AddTagsToResource').filter(draining)).toHaveLength(1);
      for (const { st } of byAction('rds:AddTagsToResource').filter(draining))
        expect(st.Condition?.StringEquals).toEqual({
          'rds:db-tag/scalepilot:managed': 'true',
          'rds:db-tag/scalepilot:target': 'events-db',
        });
      for (const { st } of [
        ...byAction('rds:CreateDBInstanceReadReplica'),
        ...byAction('rds:AddTagsToResource').filter((s) => !draining(s)),
      ]) {
        expect(st.Condition?.StringEquals).toMatchObject(tags);
        // The source's own tags come along on create; the draining tag never does.
        expect(st.Condition?.['ForAllValues:StringNotEquals']).toEqual({
          'aws:TagKeys': ['scalepilot:draining'],
        });
      }
      // RDS has no condition key for "while creating": tagging is held to the two tags, on replica names.
      const [tagging] = byAction('rds:AddTagsToResource').filter((s) => !draining(s));
      expect(list(tagging?.st.Resource).map(resolve)).toEqual([
        'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-?',
        'arn:aws:rds:us-east-1:123456789012:db:event-platform-db-sp-??',
      ]);
    });
  });
});
