import type { Policy, TargetKind } from './schema';

/** A scaler's timeout (serverless.yml `timeout`; a test holds the two equal). */
export const SCALER_TIMEOUT_SECONDS = 60;
/** What a run may spend on its targets: the timeout less the deadline margin (shared/usecases/evaluate). */
export const USABLE_SECONDS = SCALER_TIMEOUT_SECONDS - 15;

/**
 * Control-plane calls one target costs a run when a fifth of the targets act (measured with
 * `npm run bench:fleet`, see bench/fleet-results.md): groups are described 100 a call and only an acting
 * group costs a DescribeInstanceRefreshes and its SetDesiredCapacity; a replica source or a cache group is
 * read with its own calls.
 */
export const CONTROL_PLANE_CALLS_PER_TARGET: Record<TargetKind, number> = {
  asg: 0.45,
  'rds-replicas': 2.4,
  'cache-shards': 4.4,
};

/** The most targets of a kind one run takes in its usable time at AWS's latencies (bench/fleet-results.md). */
const TARGETS_BY_TIME: Record<TargetKind, number> = { asg: 2000, 'rds-replicas': 300, 'cache-shards': 200 };

/** The control plane each kind's scaler calls, as the policy's `apiBudget.accountRatePerSecond` names it. */
export const controlPlaneOf: Record<TargetKind, 'autoscaling' | 'rds' | 'elasticache'> = {
  asg: 'autoscaling',
  'rds-replicas': 'rds',
  'cache-shards': 'elasticache',
};

/**
 * How many targets of a kind one scheduled run takes (computed at packaging time, and by the function,
 * from the same policy): what its usable time allows, and what its share of the account's API rate allows
 * over that time. A policy with more targets of the kind fans them out over SQS batches of at most this many.
 */
export function targetsPerRun(policy: Policy, kind: TargetKind): number {
  const { sharePercent, accountRatePerSecond } = policy.apiBudget;
  const calls = (accountRatePerSecond[controlPlaneOf[kind]] * sharePercent * USABLE_SECONDS) / 100;
  return Math.max(
    1,
    Math.min(TARGETS_BY_TIME[kind], Math.floor(calls / CONTROL_PLANE_CALLS_PER_TARGET[kind])),
  );
}

/** The kind's targets split into that many fan-out batches of as even a size as they go. */
export function fanOutBatches(names: readonly string[], perRun: number): string[][] {
  const count = Math.ceil(names.length / perRun);
  const size = Math.ceil(names.length / count);
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
  return batches;
}
