import {
  type ActualLoad,
  floorHeadroom,
  HEADROOM_WINDOW_MINUTES,
  MIN_CALIBRATION_MINUTES,
  measuredHeadroom,
} from '../decision/floorSizing';
import {
  eventOnlyCapacity,
  eventsFor,
  eventsNear,
  floorSchedule,
  floorsUntil,
  historyPeriodSeconds,
  leadSeconds,
  loadHistory,
  type NeededCapacity,
  neededCapacity,
  unforecastable,
} from '../decision/forecastFloors';
import { type ForecastTrack, judgedTrack, judgeTrack, trackedSteps } from '../decision/forecastTrust';
import type { PauseState } from '../decision/pauseState';
import { withPlanFloors } from '../decision/plans/planForecastFloors';
import { hundredths } from '../decision/ruleRecommendation';
import { MAX_SCHEDULED_ACTIONS } from '../decision/scheduledFloors';
import type { Decision, FloorSchedule, ReasonCode } from '../decision/types';
import { ScalingError } from '../errors';
import type { LoadHistory } from '../forecast/types';
import type { Policy, Rule, Target } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';
import type {
  Clock,
  ForecastDatum,
  ForecastMetricsPort,
  ForecastNotifier,
  Ledger,
  MetricHistoryReader,
  MetricQuery,
  PauseSwitch,
  ScheduledActionsPort,
} from '../ports';
import { trackedKnobs, trackedRuns } from '../tune/tunedKnobs';
import { calibrated } from './calibrated';
import type { LogSink } from './evaluateTargets';
import { floorSpan, floorsDecision } from './floorsDecision';
import { type ForecastOutcome, forecastAll, seasonalLift } from './forecastAll';
import { written } from './ledgerWrite';
import { mirrorFloors } from './mirrorFloors';
import { predictPlans } from './predictPlans';
import { pruneAfterRun } from './pruneScheduledActions';
import { readKillSwitch, withheldReason } from './readKillSwitch';
import { trackedForecast } from './trackedForecast';

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

const MINUTE = 60_000;
/** The recent load read for the headroom: its window, and the hour since the forecast it scores was made. */
const CALIBRATION_READ_MINUTES = HEADROOM_WINDOW_MINUTES + 60;
/** CloudWatch takes datapoints up to two hours ahead: the forecast metrics cover that much. */
const PUBLISH_AHEAD_MINUTES = 120;

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
  const loads = await readLoads(deps, targets, now);

  // The plans' floors first: each member predict forecasts too takes the higher of its own and its plan's.
  const plans = await predictPlans(deps, targets, killSwitch, now, request.targets);
  const predictions: Prediction[] = [...plans.predictions];
  const failures: { target: string; error: unknown }[] = [...plans.failures];
  for (const target of targets) {
    try {
      const { histories, recent } = loads.of(target);
      const planFloors = plans.floors.get(target.name);
      predictions.push(await predictOne(deps, target, histories, recent, now, killSwitch, planFloors));
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

/**
 * Two batched metric reads for every target: the lookback's history at the forecast's period, and the last
 * hours at each rule's own period (a minute, mostly), which the headroom is measured on. `of` gives a target's
 * loads per rule.
 */
async function readLoads(deps: PredictDeps, targets: readonly Target[], now: Date) {
  const reads = historyQueries(targets, historyPeriodSeconds);
  // Whole 5-minute periods only: the one in progress would read low.
  const end = new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE);
  const start = new Date(end.getTime() - deps.policy.predictive.lookbackDays * 1440 * MINUTE);
  const points =
    reads.queries.length > 0
      ? await deps.history.history(reads.queries, start, end)
      : new Map<string, never[]>();
  const recentReads = historyQueries(targets, (rule) => rule.metric.periodSeconds);
  const recentEnd = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const recentPoints =
    recentReads.queries.length > 0
      ? await deps.history.history(
          recentReads.queries,
          new Date(recentEnd.getTime() - CALIBRATION_READ_MINUTES * MINUTE),
          recentEnd,
        )
      : new Map<string, never[]>();
  const of = (target: Target) => {
    const histories: Record<string, LoadHistory> = {};
    for (const { rule, sum, count } of reads.byTarget.get(target.name) ?? [])
      histories[rule.name] = loadHistory(rule, points.get(sum) ?? [], points.get(count) ?? []);
    const recent: Record<string, ActualLoad> = {};
    for (const { rule, sum, count } of recentReads.byTarget.get(target.name) ?? [])
      recent[rule.name] = {
        ...loadHistory(
          rule,
          recentPoints.get(sum) ?? [],
          recentPoints.get(count) ?? [],
          rule.metric.periodSeconds,
        ),
        periodMinutes: rule.metric.periodSeconds / 60,
      };
    return { histories, recent };
  };
  return { of };
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

/** Per forecastable rule of every target: a Sum and a SampleCount query of its metric, at `period(rule)`. */
function historyQueries(targets: readonly Target[], period: (rule: Rule) => number) {
  const queries: MetricQuery[] = [];
  const byTarget = new Map<string, { rule: Rule; sum: string; count: string }[]>();
  for (const target of targets) {
    const rules = target.rules.filter((r) => unforecastable(r) === undefined);
    byTarget.set(
      target.name,
      rules.map((rule) => {
        const metric = {
          ...rule.metric,
          dimensions: metricDimensions(target, rule.metric.dimensions),
          periodSeconds: period(rule),
        };
        const sum = `h${queries.length}`;
        queries.push({ id: sum, metric: { ...metric, statistic: 'Sum' } });
        const count = `h${queries.length}`;
        // A count is not a percentage of anything.
        const { percentOf: _, ...plain } = metric;
        queries.push({ id: count, metric: { ...plain, statistic: 'SampleCount' } });
        return { rule, sum, count };
      }),
    );
  }
  return { queries, byTarget };
}

async function predictOne(
  deps: PredictDeps,
  target: Target,
  histories: Record<string, LoadHistory>,
  recent: Readonly<Record<string, ActualLoad>>,
  now: Date,
  killSwitch: PauseState,
  planFloors?: FloorSchedule,
): Promise<Prediction> {
  const { policy, ledger } = deps;
  const { predictive } = policy;
  const scale = predictive.mode === 'forecast-and-scale';
  const dryRun = target.dryRun ?? policy.dryRun;
  const lead = leadSeconds(target, predictive);
  const events = eventsFor(predictive, target);
  const until = floorsUntil(now, predictive);

  // Trust: the previous forecasts against what has happened since.
  const track = await ledger.readForecastTrack(target.name);
  const judged = judgeTrack(track, histories, now, predictive.trustMaseRatio);
  const { scored, verdict } = judged;
  const mase = scored?.score ? scored.score.forecastError / scored.score.steps : undefined;
  const calibration = calibrated(track, recent, now);
  // Walk-forward tuning (issue 22): this target's floor knobs, chosen on its own past runs.
  const tuned = trackedKnobs(predictive, target, track, histories, now);
  const measured = (rule: Rule) =>
    measuredHeadroom(
      calibration[rule.name] ?? [],
      rule.metric.periodSeconds / 60,
      tuned.knobs.headroomQuantile,
    );
  const headroom = (rule: Rule) =>
    floorHeadroom(measured(rule), predictive.capacityBufferPercent, predictive.maxBufferPercent);

  const forecastOutcome = forecastAll(target, histories, lead, now, until, verdict, headroom, predictive);
  const outcome: ForecastOutcome =
    forecastOutcome.status === 'forecast' && !tuned.knobs.floors
      ? { ...forecastOutcome, status: 'not-worth-it', why: `floors not worth it: ${tuned.why}` }
      : forecastOutcome;
  const group =
    scale && target.kind === 'asg' ? await deps.groups.group(target.autoScalingGroupName) : undefined;
  const max = Math.min(target.capacity.max, group?.maxSize ?? Number.POSITIVE_INFINITY);
  const needed =
    outcome.status === 'forecast'
      ? neededCapacity(outcome.forecasts, events, until, predictive.maxBufferOfMeanPercent)
      : eventOnlyCapacity(events, new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE), 5, until);
  const seasonal = seasonalLift(outcome, needed, events, until, predictive.maxBufferOfMeanPercent);
  const source = sourceOf(outcome, events, needed, until, (rule) =>
    measured(rule) === undefined
      ? `capacityBufferPercent: under ${MIN_CALIBRATION_MINUTES / 60} h of forecasts scored`
      : 'measured',
  );
  const own = floorSchedule(needed, lead, max, now, source, tuned.knobs.holdMinutes);
  const { floors, fromPlan } = withPlanFloors(own, planFloors);

  await deps.publisher.publish(forecastData(target, outcome, needed, now, mase));

  let scheduledActions: Prediction['scheduledActions'];
  let budgetCut: { cutAt: Date; budget: number } | undefined;
  const withheld = scale && killSwitch.state !== 'running' ? killSwitch : undefined;
  if (scale && !withheld) {
    await written(deps, 'floors', ledger.writeFloors(target.name, floors));
    if (target.kind === 'asg' && group && !dryRun) {
      const mirrored = await mirrorFloors(deps.groups, target, floors, group, now);
      scheduledActions = mirrored.actions;
      if (mirrored.cutAt) budgetCut = { cutAt: mirrored.cutAt, budget: mirrored.budget };
    }
  }

  const reason: ReasonCode = withheld
    ? withheld.state === 'unknown'
      ? 'PauseUnknown'
      : 'Paused'
    : fromPlan && scale && !budgetCut
      ? 'PlanForecast' // the plan's floors were written, whatever became of the target's own forecast
      : outcome.status === 'declined'
        ? 'ForecastDeclined'
        : outcome.status === 'untrusted'
          ? 'ForecastUntrusted'
          : outcome.status === 'not-worth-it'
            ? 'FloorsNotWorthIt'
            : !scale
              ? 'ForecastOnly'
              : budgetCut
                ? 'ScheduleBudget'
                : seasonal
                  ? 'SeasonalFloor'
                  : 'ForecastFloors';
  const span = floorSpan(floors, now);
  const { now: floorNow, peak } = span;
  const actions = scheduledActions
    ? `; ${scheduledActions.length} scheduled action(s) on MinSize${
        budgetCut
          ? ` (room for ${budgetCut.budget} of the group's ${MAX_SCHEDULED_ACTIONS}: the nearest hours, MinSize back at the baseline from ${budgetCut.cutAt.toISOString()}; the ledger's floors cover the rest)`
          : ''
      }`
    : '';
  const noActions = scale && dryRun && target.kind === 'asg' ? '; dry run: no scheduled actions' : '';
  const effect = !scale
    ? `forecast-only: published, nothing changed (peak need ${Math.max(0, ...needed.units)})`
    : withheld
      ? `${withheldReason(withheld)}: no floors and no scheduled actions written (they would be ${floors ? `${floorNow} now, up to ${peak}` : 'none'})`
      : floors
        ? `floors ${floorNow} now, up to ${peak} until ${until.toISOString()}${actions}${noActions}${seasonal ?? ''}`
        : 'no floors: reactive only';
  const decision = floorsDecision(
    target,
    span,
    reason,
    `${outcome.status === 'forecast' ? '' : `${outcome.why}; `}${fromPlan ? floors?.source : source}; ${effect}; trust: ${verdict.message}; tuning: ${tuned.why}`,
  );
  await written(
    deps,
    'record',
    ledger.record(decision, { trigger: 'schedule', applied: scale && !dryRun && !withheld, dryRun, now }),
  );

  await written(
    deps,
    'forecast-track',
    ledger.writeForecastTrack(target.name, {
      madeAt: now.getTime(),
      forecasts: outcome.forecasts.map(({ rule, forecast }) =>
        trackedForecast(rule.name, forecast, histories[rule.name], trackedSteps(forecast, until, lead)),
      ),
      ...judgedTrack(track, judged, now),
      calibration,
      ...(predictive.tuning.enabled
        ? { runs: trackedRuns(predictive, track, outcome.forecasts, now, until.getTime() + lead * 1000) }
        : {}),
    } satisfies ForecastTrack),
  );
  if (track && track.trusted !== verdict.trusted)
    await deps.notifier?.trustChanged(
      target.name,
      verdict.trusted,
      verdict.trusted
        ? `${target.name}: forecast trusted again (${verdict.message}); predictive floors back on`
        : `${target.name}: forecast worse than seasonal-naive (${verdict.message}); predictive floors off, reactive only`,
      now,
    );

  return {
    decision,
    ...(scale && floors && !withheld ? { floors } : {}),
    needed,
    ...(scheduledActions ? { scheduledActions } : {}),
    trusted: verdict.trusted,
    ...(mase !== undefined ? { mase } : {}),
  };
}

function sourceOf(
  outcome: ForecastOutcome,
  events: ReturnType<typeof eventsFor>,
  needed: NeededCapacity,
  until: Date,
  headroomFrom: (rule: Rule) => string,
) {
  const near = eventsNear(events, needed.start, until);
  const withEvents = near.length > 0 ? ` with known event(s) ${near.join(', ')}` : '';
  if (outcome.status !== 'forecast') return `known events only${withEvents}`;
  const rules = outcome.forecasts.map((f) => {
    const held = needed.bufferLimited?.find((l) => l.rule === f.rule.name);
    const limit = held
      ? `; its extra load held to ${hundredths(held.atMost)}, ${held.percentOfMean}% of the forecast's mean (maxBufferOfMeanPercent), at ${held.steps} of ${needed.units.length} steps`
      : '';
    return `${f.rule.name} (headroom ×${f.headroom.toFixed(2)}, ${headroomFrom(f.rule)}${limit})`;
  });
  return `forecast of ${rules.join(', ')}${withEvents}: ${outcome.forecasts[0]?.forecast.message ?? ''}`;
}

/** The forecast metrics: load per rule and capacity needed per step (up to two hours ahead), and the last MASE. */
function forecastData(
  target: Target,
  outcome: ForecastOutcome,
  needed: NeededCapacity,
  now: Date,
  mase: number | undefined,
): ForecastDatum[] {
  const last = now.getTime() + PUBLISH_AHEAD_MINUTES * MINUTE;
  const data: ForecastDatum[] = [];
  for (const { rule, forecast } of outcome.forecasts)
    forecast.point.forEach((value, i) => {
      const time = forecast.start + i * forecast.stepMinutes * MINUTE;
      if (time <= last)
        data.push({
          name: 'ForecastLoad',
          target: target.name,
          rule: rule.name,
          time: new Date(time),
          value,
        });
    });
  if (outcome.forecasts.length > 0)
    needed.units.forEach((value, i) => {
      const time = needed.start.getTime() + i * needed.stepMinutes * MINUTE;
      if (time <= last)
        data.push({ name: 'ForecastCapacity', target: target.name, time: new Date(time), value });
    });
  if (mase !== undefined) data.push({ name: 'ForecastMase', target: target.name, time: now, value: mase });
  return data;
}
