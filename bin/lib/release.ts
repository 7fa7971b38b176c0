import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import { type AwsConfig, clientOptions } from '../../shared/adapters/awsConfig';
import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import { ElastiCacheShardCapacity } from '../../shared/adapters/ElastiCacheShardCapacity';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { pauseParameterName, SsmPauseSwitch } from '../../shared/adapters/SsmPauseSwitch';
import type { PauseState } from '../../shared/decision/pauseState';
import { ResourceNotFoundError, ScalingError } from '../../shared/errors';
import type { Policy, Target } from '../../shared/policy/schema';
import type { Lease, Ledger } from '../../shared/ports';
import { withheldReason } from '../../shared/usecases/readKillSwitch';
import {
  cacheSteps,
  groupSteps,
  leftoverActionSteps,
  notFound,
  type ReleasePorts,
  type ReleaseStep,
  replicaSteps,
} from './releaseSteps';

/** What release needs besides the AWS sides of the kinds: the stage's switch and the ledger's leases (and records). */
export interface ReleaseDeps extends ReleasePorts {
  readonly stage: string;
  /** Sets the stage's kill switch (`scalepilot pause`). */
  readonly pause: () => Promise<void>;
  /** Reads the switch afresh (no cache): every step of release checks it is still set. */
  readonly pauseState: () => Promise<PauseState>;
  readonly ledger: Pick<Ledger, 'acquireLease' | 'releaseLease' | 'read'>;
  readonly log: (line: string) => void;
}

/** The release's lease owner: the same on every run, so a re-run after a crash takes its own lease back at once. */
export const RELEASE_OWNER = 'scalepilot-release';
/**
 * How long release holds a target, taken once for all of its steps: a drain's wait can outlast it, which is safe
 * only because the stage stays paused throughout (no scaler acts, or settles, while it is).
 */
const LEASE_SECONDS = 120;
/** How long release waits for a scaler's lease: the scalers hold one for 60 s. */
const LEASE_WAIT_SECONDS = 90;

/** Someone lifted the kill switch while release was running: it stops before its next step. */
export class ReleaseInterruptedError extends ScalingError {}

/** What Scalepilot created or scaled, target by target, and the way back to each minimum; reads only. */
export async function planRelease(policy: Policy, ports: ReleasePorts): Promise<ReleaseStep[]> {
  const steps: ReleaseStep[] = [];
  for (const target of policy.targets) steps.push(...(await targetSteps(target, ports)));
  steps.push(...(await leftoverActionSteps(policy, ports)));
  return steps;
}

/**
 * The target's steps; a resource that is not there (removed already, another account) is one line and nothing to
 * do, for every kind alike, and the release goes on with the other targets.
 */
async function targetSteps(target: Target, ports: ReleasePorts): Promise<ReleaseStep[]> {
  try {
    if (target.kind === 'asg') return await groupSteps(target, ports);
    if (target.kind === 'rds-replicas') return await replicaSteps(target, ports);
    return await cacheSteps(target, ports);
  } catch (error) {
    if (!(error instanceof ResourceNotFoundError)) throw error;
    return [{ target: target.name, description: notFound(error.kind, error.resourceName) }];
  }
}

/**
 * `scalepilot release`, coordinated with the functions (issue 20, item 5): the stage is paused first (every
 * function stops changing anything within a minute), then target by target release takes the target's lease
 * (waiting out a scaler that holds it), plans again from what is there now and applies each step, checking
 * before every step that the switch is still set (a `resume` mid-way stops it, with a message). Scheduled
 * actions left on groups no longer in the policy go last. Every step is idempotent: a release that stopped
 * (a crash, a refusal, a resume) is run again and finishes the job. The stage stays paused: `sls remove`
 * comes next (`scalepilot resume` undoes the pause).
 */
export async function applyRelease(policy: Policy, deps: ReleaseDeps): Promise<{ failed: number }> {
  const say = deps.log;
  await deps.pause();
  say(
    `paused stage ${deps.stage} (${pauseParameterName(deps.stage)} = true): the functions stop changing anything`,
  );
  let failed = 0;
  for (const target of policy.targets) {
    await stillPaused(deps, `${target.name}: taking its lease`);
    const lease = await takeLease(deps, target.name);
    try {
      for (const step of await targetSteps(target, deps)) failed += await run(deps, step);
    } catch (error) {
      // A target that cannot be read (gone, denied) is reported and the others go on; anything else stops.
      if (error instanceof ReleaseInterruptedError || !(error instanceof ScalingError)) throw error;
      failed += 1;
      say(`FAILED: ${target.name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await deps.ledger.releaseLease(lease);
    }
  }
  for (const step of await leftoverActionSteps(policy, deps)) failed += await run(deps, step);
  say(`stage ${deps.stage} stays paused: run sls remove next (scalepilot resume lifts the pause)`);
  return { failed };
}

/** One step: the switch checked, the change made (or the refusal reported), the outcome printed. */
async function run(deps: ReleaseDeps, step: ReleaseStep): Promise<number> {
  if (step.refused) {
    deps.log(`REFUSED: ${step.target}: ${step.description}`);
    return 1;
  }
  if (!step.apply) {
    deps.log(`    ${step.target}: ${step.description}`);
    return 0;
  }
  await stillPaused(deps, `${step.target}: ${step.description}`);
  try {
    await step.apply();
  } catch (error) {
    deps.log(
      `FAILED: ${step.target}: ${step.description}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  deps.log(`done: ${step.target}: ${step.description}`);
  return 0;
}

async function stillPaused(deps: ReleaseDeps, next: string): Promise<void> {
  const state = await deps.pauseState().catch((error: unknown) => ({
    state: 'unknown' as const,
    why: error instanceof Error ? error.message : String(error),
  }));
  if (state.state === 'paused' && state.notice === undefined) return;
  const why =
    state.state === 'running'
      ? `the kill switch of stage ${deps.stage} was lifted (scalepilot resume?)`
      : withheldReason(state).replace(
          'paused by the kill switch',
          `the kill switch of stage ${deps.stage} is not plainly set`,
        );
  throw new ReleaseInterruptedError(
    `release stopped before "${next}": ${why}. Nothing more was changed; run scalepilot release again to go on (it pauses the stage first).`,
  );
}

/** The target's lease, waiting (up to LEASE_WAIT_SECONDS) for a scaler that holds one to finish or time out. */
async function takeLease(deps: ReleaseDeps, target: string): Promise<Lease> {
  const start = deps.clock.now().getTime();
  let told = false;
  for (;;) {
    const now = deps.clock.now();
    const lease = await deps.ledger.acquireLease(target, RELEASE_OWNER, now, LEASE_SECONDS);
    if (lease) return lease;
    if (now.getTime() - start > LEASE_WAIT_SECONDS * 1000)
      throw new ScalingError(
        `${target}: its lease is still held after ${LEASE_WAIT_SECONDS} s; run release again`,
      );
    if (!told) deps.log(`    ${target}: waiting for an evaluation in flight to finish (its lease)`);
    told = true;
    await deps.sleep(1000);
  }
}

/** The release's AWS sides as the CLI builds them: the scalers' own adapters, the stage's switch. */
export function releasePorts(aws: AwsConfig, stage: string): ReleasePorts & Pick<ReleaseDeps, 'pauseState'> {
  const pause = new SsmPauseSwitch(aws, pauseParameterName(stage));
  return {
    autoScaling: new AutoScalingClient(clientOptions(aws)),
    // The stage's own replicas only: another stage's on the same source are that stage's to release.
    rds: new RdsReplicaCapacity(aws, { stage }),
    cache: new ElastiCacheShardCapacity(aws),
    metrics: new CloudWatchMetricsReader(aws),
    scheduled: new AutoScalingScheduledActions(aws, stage),
    clock: { now: () => new Date() },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // Past the switch's 30-s cache each time: a cached read would hide a resume.
    pauseState: () => pause.read(new Date(), { fresh: true }),
  };
}
