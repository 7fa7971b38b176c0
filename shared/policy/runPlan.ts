import type { Policy, TargetKind } from './schema';

/** A scaler's timeout (serverless.yml `timeout`; a test holds the two equal). */
export const SCALER_TIMEOUT_SECONDS = 60;

/**
 * Fan-out batches of one kind run at once, each its own Lambda invocation: the scalers' reserved
 * concurrency (serverless.yml, 5) less the scheduled run and an alarm's.
 */
export const MAX_FAN_OUT_BATCHES = 3;

/** The control plane each kind's scaler calls, as SigV4 and the policy's `fleet.accountRatePerSecond` name it. */
export const controlPlaneOf: Record<TargetKind, 'autoscaling' | 'rds' | 'elasticache'> = {
  asg: 'autoscaling',
  'rds-replicas': 'rds',
  'cache-shards': 'elasticache',
};

/** How a kind's targets are spread over runs, and the API rate each run keeps under. */
export interface RunPlan {
  readonly targets: number;
  readonly perRun: number;
  /** 1 without fan-out. */
  readonly batches: number;
  /** The kind's control-plane calls per second one run may make: its share of the account's, split over the batches. */
  readonly runRatePerSecond: number;
}

/**
 * The run plan of a kind, from the policy (at packaging time for the stack's fan-out queue, and in each
 * function from the same bundled policy): the batches all run at once each minute, so each gets an equal
 * part of the kind's API share.
 */
export function runPlan(policy: Policy, kind: TargetKind): RunPlan {
  const targets = policy.targets.filter((t) => t.kind === kind).length;
  const { apiSharePercent, accountRatePerSecond, targetsPerRun } = policy.fleet;
  const perRun = targetsPerRun[kind];
  const batches = Math.max(1, Math.ceil(targets / perRun));
  const kindRate = (accountRatePerSecond[controlPlaneOf[kind]] * apiSharePercent) / 100;
  return {
    targets,
    perRun,
    batches,
    runRatePerSecond: kindRate / batches,
  };
}

/** The kind's targets split into as many fan-out batches as the plan says, of as even a size as they go. */
export function fanOutBatches(names: readonly string[], batches: number): string[][] {
  const size = Math.ceil(names.length / Math.max(1, batches));
  const out: string[][] = [];
  for (let i = 0; i < names.length; i += size) out.push(names.slice(i, i + size));
  return out;
}
