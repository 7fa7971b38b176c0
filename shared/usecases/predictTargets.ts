import type { NeededCapacity } from '../decision/forecastFloors';
import type { Decision, FloorSchedule } from '../decision/types';
import { clipped, ScalingError } from '../errors';
import type { Policy, Target } from '../policy/schema';
import type {
  Clock,
  ForecastMetricsPort,
  ForecastNotifier,
  Ledger,
  MetricHistoryReader,
  PauseSwitch,
  ScheduledActionsPort,
} from '../ports';
import { deferPredictions, predictionOrder, predictOutOfTime } from './deferPredictions';
import type { LogSink } from './evaluateTargets';
import { holdTrustNotices } from './holdTrustNotices';
import { type PlanPredictions, predictPlans } from './predictPlans';
import { predictTarget } from './predictTarget';
import { pruneForRun, pruneMode } from './pruneScheduledActions';
import { readKillSwitch } from './readKillSwitch';
import { readPredictLoads } from './readPredictLoads';

export interface PredictDeps {
  readonly policy: Policy;
  readonly history: MetricHistoryReader;
  readonly ledger: Ledger;
  /** Auto Scaling groups' scheduled actions (groups only). */
  readonly groups: ScheduledActionsPort;
  readonly publisher: ForecastMetricsPort;
  readonly notifier?: ForecastNotifier;
  /** The kill switch: while it is anything but running, no floors and no scheduled actions are written. */
  readonly pause?: PauseSwitch;
  readonly clock: Clock;
  readonly log: LogSink;
  /** Counts a ledger write that failed (the `RecordFailures` metric, alarmed in the stack); the run fails too. */
  readonly recordFailed?: (operation: string) => void;
  /**
   * The function's remaining time (the Lambda context's): the run stops starting targets near it and defers
   * the rest to the next run (deferPredictions.ts). Absent (tests, the CLI): every target, however long.
   */
  readonly deadline?: { remainingMs(): number };
  /** Counts the targets a run against a deadline deferred (the `DeferredTargets` metric, as the scalers'). */
  readonly deferredTargets?: (count: number) => void;
}

export interface PredictRequest {
  /** Target names to predict; every target with predictive scaling on when omitted. */
  readonly targets?: readonly string[];
}

/** One target's outcome, as recorded in its decision log. */
export interface Prediction {
  readonly decision: Decision;
  /** The floors written to the ledger (forecast-and-scale), if any. */
  readonly floors?: FloorSchedule;
  /** The units needed per step (before the lead), also in forecast-only mode. */
  readonly needed?: NeededCapacity;
  /** Scheduled actions the group holds after this run (groups, forecast-and-scale). */
  readonly scheduledActions?: readonly {
    readonly name: string;
    readonly start: Date;
    readonly minSize: number;
  }[];
  readonly trusted: boolean;
  /** The last score's MASE (the previous run's forecast against what happened). */
  readonly mase?: number;
}

/** Raised after every target was looked at when some failed; `cause` holds their errors. */
export class PredictionFailedError extends ScalingError {
  constructor(readonly failures: readonly { target: string; error: unknown }[]) {
    super(
      `prediction failed for ${failures.map((f) => `"${f.target}": ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { cause: failures.map((f) => f.error) },
    );
  }
}

/**
 * The predict function: for every target with predictive scaling on, its history (read in batches of targets as the run reaches them),
 * a forecast per rule, the units needed per step with the policy's buffer and known events, and the verdict
 * on the previous forecast (trust). Then, in forecast-and-scale mode: floors into the ledger (shifted earlier
 * by the warm-up or provisioning delay) and, for groups, the same floors as scheduled MinSize actions that
 * replace the previous run's; in forecast-only mode nothing changes. Forecasts and scores are published as
 * metrics, and every target's outcome is recorded with a reason. A declined or untrusted forecast leaves only
 * the known events' floors: the target stays reactive. Against a deadline, a run over every target starts
 * where the last one stopped and, near the deadline, starts no more targets: the rest are recorded `Deferred`
 * and the next run starts with them (deferPredictions.ts). Before its targets, a run over every target prunes
 * the scheduled actions the policy no longer produces, within a share of its time (pruneForRun). The
 * predictions come in the order the run took them; the deferred targets are not among them (their records are).
 */
export async function predictTargets(deps: PredictDeps, request: PredictRequest = {}): Promise<Prediction[]> {
  // Trust notices are told when the run ends: many targets' alike in one message (holdTrustNotices).
  const trust = holdTrustNotices(deps.notifier);
  let failed = false;
  try {
    return await predictAll({ ...deps, ...(trust.notifier ? { notifier: trust.notifier } : {}) }, request);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await trust.flush().catch((error: unknown) => {
      if (!failed) throw error;
      deps.log.error('trust notices not sent', {
        error: error instanceof Error ? error.message : String(error),
      });
    });
  }
}

async function predictAll(deps: PredictDeps, request: PredictRequest): Promise<Prediction[]> {
  const { policy } = deps;
  const now = deps.clock.now();
  // A name the policy lacks is refused before anything is read, whether predictive scaling is on or not.
  const selected = selectTargets(policy, request.targets);
  // Read before anything is written (floors and scheduled actions change what the groups do), and again before
  // each member's and target's writes and at the end: a run's reads take a while, and a `pause` may come meanwhile.
  const killSwitch = await readKillSwitch(deps, now);
  if (!policy.predictive.enabled) {
    deps.log.info('predictive scaling is off in the policy: nothing to forecast');
    const failures = await pruneForRun(deps, request, killSwitch, now);
    if (failures.length > 0) throw new PredictionFailedError(failures);
    return [];
  }
  // Pruning first, before the targets take the run's time: at the end, a fleet whose every run defers targets
  // never reached it, and the actions the policy no longer produced stayed until their times passed.
  const early = await pruneForRun(deps, { ...request, beforeTargets: true }, killSwitch, now);
  const targets = await predictionOrder(deps, selected, request);
  const loads = await readPredictLoads(deps, targets, now);

  // The plans' floors first: each member predict forecasts too takes the higher of its own and its plan's.
  const plans = await predictPlans(deps, targets, now, request.targets);
  const run = await predictInTurn(deps, targets, loads, plans, now);
  const failures = [...early, ...plans.failures, ...run.failures];
  failures.push(...(await deferPredictions(deps, run.deferred, request, now)));
  // The switch changed during the run (paused: every action of the forecast's goes now, as `pause` would, those
  // the run wrote before the pause too). Read once more, past the switch's cache (the targets' reads keep it
  // warm): a pause after the last real read, whose own deletions a target's write then undid, counts.
  const last = await readKillSwitch(deps, deps.clock.now(), { fresh: true });
  if (pruneMode(last) !== pruneMode(killSwitch))
    failures.push(...(await pruneForRun(deps, request, last, now)));
  if (failures.length > 0) throw new PredictionFailedError(failures);
  return [...plans.predictions, ...run.predictions];
}

/**
 * Each target's run in turn, while the run has time to start one more (a target that fails stops no other),
 * each by the kill switch as read just before it; the targets it had no time for are left for the deadline step.
 */
async function predictInTurn(
  deps: PredictDeps,
  targets: readonly Target[],
  loads: Awaited<ReturnType<typeof readPredictLoads>>,
  plans: PlanPredictions,
  now: Date,
): Promise<{
  predictions: Prediction[];
  failures: { target: string; error: unknown }[];
  deferred: Target[];
}> {
  const predictions: Prediction[] = [];
  const failures: { target: string; error: unknown }[] = [];
  let next = 0;
  for (; next < targets.length && !predictOutOfTime(deps); next += 1) {
    const target = targets[next] as Target;
    try {
      // A run lasts a while (its history reads, the plans, the targets before): a `pause` meanwhile stops the
      // targets after it, the first one too (the switch's read is cached for 30 s), where read once at the start
      // the rest put back the scheduled actions `pause` had deleted, and AWS ran them while paused.
      const switchNow = await readKillSwitch(deps, deps.clock.now());
      const planFloors = plans.floors.get(target.name);
      predictions.push(await predictTarget(deps, target, await loads.of(target), now, switchNow, planFloors));
    } catch (error) {
      deps.log.error('prediction failed', {
        target: target.name,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      failures.push({ target: target.name, error });
    }
  }
  return { predictions, failures, deferred: targets.slice(next) };
}

/**
 * The targets that forecast on their own: every one with `predictive: true`, or those named. A name may also be
 * a plan member without a forecast of its own: it takes only its plan's floors (predictPlans), so it is
 * accepted and not forecast here; any other name is refused.
 */
function selectTargets(policy: Policy, names: readonly string[] | undefined): Target[] {
  const predictive = policy.targets.filter((t) => t.predictive);
  if (!names) return predictive;
  const members = new Set(policy.plans.flatMap((p) => p.members.map((m) => m.target)));
  return names.flatMap((name) => {
    const target = predictive.find((t) => t.name === name);
    if (target) return [target];
    if (members.has(name)) return [];
    throw new ScalingError(
      `target "${clipped(name)}" is neither a target of the policy with predictive: true nor a plan's member`,
    );
  });
}
