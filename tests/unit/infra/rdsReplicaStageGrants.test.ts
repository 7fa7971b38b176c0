import { describe, expect, it } from 'vitest';
import { functionRole } from '../../../infra/functionAdapters';
import type { Statement } from '../../../infra/functionPermissions';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { type IamRequest, iamAllows } from '../../harness/iamAllows';
import { rdsTarget } from '../decision/rdsReplicasFixtures';

// The same policy deployed as two stages against one source (a dev stage pointed at prod's database, a
// blue/green redeploy under a new stage name): each stage's RDS role creates replicas only with its own stage
// tag, and drains, deletes or retags only replicas whose stage tag is its own or absent (made before replicas
// carried one). The requests are evaluated as IAM evaluates them (tests/harness/iamAllows.ts), not matched by
// the statements' shape.

const policy = validatePolicy({
  version: 1,
  targets: [
    rdsTarget(),
    { ...rdsTarget({ aurora: true, sourceDbInstanceIdentifier: 'events-cluster' }), name: 'events-aurora' },
  ],
});
const statements = (stage: string): Statement[] =>
  functionRole('scaleRdsReplicas', policy, 'f', stage).Properties.Policies.flatMap(
    (p) => p.PolicyDocument.Statement,
  );
const db = (id: string) => `arn:aws:rds:us-east-1:123456789012:db:${id}`;
const REPLICA = db('event-platform-db-sp-1');
const OURS = { 'scalepilot:managed': 'true', 'scalepilot:target': 'events-db' };
/** The request tags of a create or tagging: Scalepilot's, with `stage` when given. */
const requestTags = (tags: Record<string, string>) => ({
  ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  'aws:TagKeys': Object.keys(tags),
});
/** A resource's tags as RDS gives them to IAM. */
const onResource = (tags: Record<string, string>) =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [`rds:db-tag/${k}`, v]));

const rows: { name: string; request: IamRequest; allowedTo: string[] }[] = [
  {
    name: 'a create with blue’s stage tag: blue only',
    request: {
      action: 'rds:CreateDBInstanceReadReplica',
      resource: REPLICA,
      context: requestTags({ ...OURS, 'scalepilot:stage': 'blue' }),
    },
    allowedTo: ['blue'],
  },
  {
    name: 'a create with no stage tag: neither',
    request: { action: 'rds:CreateDBInstanceReadReplica', resource: REPLICA, context: requestTags(OURS) },
    allowedTo: [],
  },
  {
    name: 'an Aurora reader with blue’s stage tag, authorised on the cluster: blue only',
    request: {
      action: 'rds:CreateDBInstance',
      resource: 'arn:aws:rds:us-east-1:123456789012:cluster:events-cluster',
      context: requestTags({
        'scalepilot:managed': 'true',
        'scalepilot:target': 'events-aurora',
        'scalepilot:stage': 'blue',
      }),
    },
    allowedTo: ['blue'],
  },
  {
    name: 'deleting blue’s replica: blue only',
    request: {
      action: 'rds:DeleteDBInstance',
      resource: REPLICA,
      context: onResource({ ...OURS, 'scalepilot:stage': 'blue' }),
    },
    allowedTo: ['blue'],
  },
  {
    name: 'deleting a replica made before the stage tag (none): either, as before',
    request: { action: 'rds:DeleteDBInstance', resource: REPLICA, context: onResource(OURS) },
    allowedTo: ['blue', 'green'],
  },
  {
    name: 'draining blue’s replica (its draining tag): blue only',
    request: {
      action: 'rds:AddTagsToResource',
      resource: REPLICA,
      context: {
        ...onResource({ ...OURS, 'scalepilot:stage': 'blue' }),
        ...requestTags({ 'scalepilot:draining': '2026-11-30T12:00:00Z' }),
      },
    },
    allowedTo: ['blue'],
  },
  {
    name: 'cancelling the drain of blue’s replica: blue only',
    request: {
      action: 'rds:RemoveTagsFromResource',
      resource: REPLICA,
      context: {
        ...onResource({ ...OURS, 'scalepilot:stage': 'blue', 'scalepilot:draining': 'x' }),
        'aws:TagKeys': ['scalepilot:draining'],
      },
    },
    allowedTo: ['blue'],
  },
  {
    name: 'retagging blue’s replica with green’s stage (which would make it green’s to delete): neither',
    request: {
      action: 'rds:AddTagsToResource',
      resource: REPLICA,
      context: {
        ...onResource({ ...OURS, 'scalepilot:stage': 'blue' }),
        ...requestTags({ ...OURS, 'scalepilot:stage': 'green' }),
      },
    },
    allowedTo: [],
  },
];

describe('two stages of one policy against one source: the RDS roles', () => {
  it.each(rows)('$name', ({ request, allowedTo }) => {
    const allowed = ['blue', 'green'].filter((stage) => iamAllows(statements(stage), request));
    expect(allowed).toEqual(allowedTo);
  });
});
