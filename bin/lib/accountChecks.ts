import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { RdsSourceKey } from '../../shared/adapters/RdsSourceKey';
import { readerZone } from '../../shared/adapters/Route53ZoneCheck';
import { readerDiscoveryProblems } from '../../shared/decision/rdsReplicasPrerequisites';
import { sourceKeyProblems } from '../../shared/decision/sourceKeyProblems';
import { AwsCallError, ResourceNotFoundError } from '../../shared/errors';
import type { Policy, Target } from '../../shared/policy/schema';
import { resourceKeyByKind } from '../../shared/policy/targetResource';

/** Reads one target's prerequisites from the account: the problems, each a sentence (none: ready). */
export type PrerequisiteCheck = (target: Target) => Promise<string[]>;

/** The account checks of each kind that has some (validate --check-account, plan). */
export function accountChecks(aws: AwsConfig): Partial<Record<Target['kind'], PrerequisiteCheck>> {
  const cache = new ElastiCacheShardCapacity(aws);
  const replicas = new RdsReplicaCapacity(aws);
  const keys = new RdsSourceKey(aws);
  const groups = new AutoScalingCapacity(aws);
  return {
    asg: (target) => groups.prerequisites(target),
    'cache-shards': (target) => cache.prerequisites(target),
    'rds-replicas': async (target) => {
      const zoneId =
        target.kind === 'rds-replicas' ? target.readerDiscovery?.route53?.hostedZoneId : undefined;
      const zone = zoneId ? await readerZone(aws, zoneId) : undefined;
      const problems = await replicas.prerequisites(target);
      if (target.kind !== 'rds-replicas') return problems;
      // A missing source is a prerequisite problem already: its key is not asked for again.
      const key = await keys.read(target).catch((error: unknown) => {
        if (error instanceof ResourceNotFoundError) return undefined;
        throw error;
      });
      return [
        ...problems,
        ...readerDiscoveryProblems(target, zone),
        ...(key ? sourceKeyProblems(target, key) : []),
      ];
    },
  };
}

/**
 * What the account says against the policy, one line per problem in validate's own form
 * (`targets[2] "sessions-cache".replicationGroupId: …`): an Auto Scaling group that does not exist or that
 * its own scaling policies scale, a cache group with cluster mode disabled, a
 * serverless cache, a Global Datastore member, an engine without online resharding, a group another
 * autoscaler (an Application Auto Scaling scalable target) already scales. A check that cannot read the
 * account is a problem too, named as such: the operator learns what could not be checked.
 */
export async function accountProblems(
  policy: Policy,
  checks: Partial<Record<Target['kind'], PrerequisiteCheck>>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, target] of policy.targets.entries()) {
    const check = checks[target.kind];
    if (!check) continue;
    const where = `targets[${i}] "${target.name}".${resourceKeyByKind[target.kind]}`;
    try {
      for (const problem of await check(target)) problems.push(`${where}: ${problem}`);
    } catch (error) {
      const why = error instanceof AwsCallError || error instanceof Error ? error.message : String(error);
      problems.push(`${where}: could not be checked against the account: ${why}`);
    }
  }
  return problems;
}
