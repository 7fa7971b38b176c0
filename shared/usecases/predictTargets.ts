import type { NeededCapacity } from '../decision/forecastFloors';
import type { Decision, FloorSchedule } from '../decision/types';
import { ScalingError } from '../errors';
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
import type { LogSink } from './evaluateTargets';
import { predictPlans } from './predictPlans';
import { predictTarget } from './predictTarget';
import { pruneAfterRun } from './pruneScheduledActions';
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
 * The predict function: for every target with predictive scaling on, one batched metric read of its history,
 * a forecast per rule, the units needed per step with the policy's buffer and known events, and the verdict
 * on the previous forecast (trust). Then, in forecast-and-scale mode: floors into the ledger (shifted earlier
 * by the warm-up or provisioning delay) and, for groups, the same floors as scheduled MinSize actions that
 * replace the previous run's; in forecast-only mode nothing changes. Forecasts and scores are published as
 * metrics, and every target's outcome is recorded with a reason. A declined or untrusted forecast leaves only
 * the known events' floors: the target stays reactive.
 */
export async function predictTargets(deps: PredictDeps, request: PredictRequest = {}): Promise<Prediction[]> {
  const { policy } = deps;
  const now = deps.clock.now();
  // Read once, before anything is written: floors and scheduled actions change what the groups do.
  const killSwitch = await readKillSwitch(deps, now);
  if (!policy.predictive.enabled) {
    deps.log.info('predictive scaling is off in the policy: nothing to forecast');
    const failures = await pruneAfterRun(deps, request, killSwitch, now);
    if (failures.length > 0) throw new PredictionFailedError(failures);
    return [];
  }
  const targets = selectTargets(policy, request.targets);
  const loads = await readPredictLoads(deps, targets, now);

  // The plans' floors first: each member predict forecasts too takes the higher of its own and its plan's.
  const plans = await predictPlans(deps, targets, killSwitch, now, request.targets);
  const predictions: Prediction[] = [...plans.predictions];
  const failures: { target: string; error: unknown }[] = [...plans.failures];
  for (const target of targets) {
    try {
      const planFloors = plans.floors.get(target.name);
      predictions.push(await predictTarget(deps, target, loads.of(target), now, killSwitch, planFloors));
    } catch (error) {
      deps.log.error('prediction failed', {
        target: target.name,
        error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
      });
      failures.push({ target: target.name, error });
    }
  }
  failures.push(...(await pruneAfterRun(deps, request, killSwitch, now)));
  if (failures.length > 0) throw new PredictionFailedError(failures);
  return predictions;
}

function selectTargets(policy: Policy, names: readonly string[] | undefined): Target[] {
  const predictive = policy.targets.filter((t) => t.predictive);
  if (!names) return predictive;
  return names.map((name) => {
    const target = predictive.find((t) => t.name === name);
    if (!target)
      throw new ScalingError(`target "${name}" is not a target of the policy with predictive: true`);
    return target;
  });
}
