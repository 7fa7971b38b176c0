import {
  type ActualLoad,
  floorHeadroom,
  HEADROOM_WINDOW_MINUTES,
  measuredHeadroom,
} from '../decision/floorSizing';
import { floorsUntil, STALE_HISTORY_MINUTES } from '../decision/forecastFloors';
import {
  type ForecastTrack,
  judgedTrack,
  judgeTrack,
  type TrackedForecast,
  trackedSteps,
} from '../decision/forecastTrust';
import type { PauseState } from '../decision/pauseState';
import { cannotFollowCap, scheduleCappedAt } from '../decision/plans/cannotFollowCap';
import {
  demandHistory,
  historyStatistic,
  PLAN_HISTORY_STEP_MINUTES,
  type PlanForecastOutcome,
  planForecastFloors,
} from '../decision/plans/planForecastFloors';
import { planMemberStates } from '../decision/plans/planMemberStates';
import { planModel } from '../decision/plans/planModel';
import type { PlanMemberState } from '../decision/plans/types';
import type { Decision, FloorSchedule, ReasonCode } from '../decision/types';
import { planDemandMetric } from '../policy/planDemandMetric';
import type { Plan, Target } from '../policy/schema';
import type { MetricQuery } from '../ports';
import { calibrated } from './calibrated';
import { floorSpan, floorsDecision } from './floorsDecision';
import { written } from './ledgerWrite';
import type { PredictDeps, Prediction } from './predictTargets';
import { readKillSwitch, withheldReason } from './readKillSwitch';
import { DRY_RUN, type GroupActions, scheduledActionsOnGroup } from './scheduledActionsOnGroup';
import { trackedForecast } from './trackedForecast';

const MINUTE = 60_000;
/** The rule name a plan's demand is tracked under in its forecast track (one series per plan). */
const DEMAND = 'demand';

/** What one predict run made of the plans. */
export interface PlanPredictions {
  /** Per member predict forecasts itself too: the plan's floors, which its own run takes the higher of. */
  readonly floors: ReadonlyMap<string, FloorSchedule>;
  /** The other members (no `predictive` of their own): their floors are the plan's, written and recorded here. */
  readonly predictions: readonly Prediction[];
  readonly failures: readonly { target: string; error: unknown }[];
}

/** A plan's forecast, or why the plan gives no floors this run (its members keep their own). */
type PlanOutcome = PlanForecastOutcome | { readonly status: 'untrusted'; readonly why: string };

/** The ledger key of a plan's forecast track: beside the targets' own, never one of their names. */
export const planTrackKey = (plan: string) => `plan:${plan}`;

/**
 * Predict's plan step: per plan, its demand's history (one batched read for every plan, `Sum` at 5 minutes over
 * the lookback, and the recent hours at the metric's own period for the headroom), a forecast of it scored and
 * trusted like a target's (a forecast track per plan), and every member's floors shifted by its own lead time
 * (the policy's, else the one learned from the ledger's PLAN items, else the kind's: planModel.ts). Members
 * predict forecasts on their own get the plan's floors back, to take the higher of the two; the others' floors
 * are written here (and, for a group, mirrored as scheduled MinSize actions), each recorded (`PlanForecast`).
 * Each member's writes go by the kill switch as read just before them (reason `Paused` or `PauseUnknown`: none).
 * With `only`, just those targets' plan floors: the named members' that do not forecast on their own are
 * written as a whole run writes them (`scalepilot predict --target` previews them: its ledger writes nothing).
 */
export async function predictPlans(
  deps: PredictDeps,
  predicted: readonly Target[],
  now: Date,
  only?: readonly string[],
): Promise<PlanPredictions> {
  const plans = deps.policy.plans.filter((p) => !only || p.members.some((m) => only.includes(m.target)));
  const none = { floors: new Map(), predictions: [], failures: [] };
  if (plans.length === 0) return none;
  let outcomes: Map<string, PlanOutcome>;
  try {
    outcomes = await forecastPlans(deps, plans, now);
  } catch (error) {
    deps.log.error('plan forecasts failed', { error: errorText(error) });
    return { ...none, failures: plans.map((p) => ({ target: `plan ${p.name}`, error })) };
  }
  const own = new Set(predicted.map((t) => t.name));
  const floors = new Map<string, FloorSchedule>();
  const predictions: Prediction[] = [];
  const failures: { target: string; error: unknown }[] = [];
  for (const plan of plans) {
    const outcome = outcomes.get(plan.name) as PlanOutcome;
    for (const { target: name } of plan.members) {
      const schedule = outcome.status === 'forecast' ? outcome.schedules.get(name) : undefined;
      if (own.has(name)) {
        if (schedule) floors.set(name, schedule);
        continue;
      }
      const target = deps.policy.targets.find((t) => t.name === name);
      // Asked for some targets only: the other members' floors are not this run's to write.
      if (!target || (only && !only.includes(name))) continue;
      try {
        // Read again before each member's writes (a read is cached for 30 s): the run's history reads take a
        // while, and a `pause` meanwhile deletes the actions, which writing on the run's first read put back.
        const killSwitch = await readKillSwitch(deps, deps.clock.now());
        predictions.push(await writeMemberFloors(deps, target, plan, outcome, schedule, killSwitch, now));
      } catch (error) {
        deps.log.error('plan floors failed', { target: name, plan: plan.name, error: errorText(error) });
        failures.push({ target: name, error });
      }
    }
  }
  return { floors, predictions, failures };
}

/** Every plan's demand read, scored and forecast: one read for the lookback, one for the headroom's hours. */
async function forecastPlans(
  deps: PredictDeps,
  plans: readonly Plan[],
  now: Date,
): Promise<Map<string, PlanOutcome>> {
  const { policy } = deps;
  const step = PLAN_HISTORY_STEP_MINUTES * MINUTE;
  const end = new Date(Math.floor(now.getTime() / step) * step);
  const start = new Date(end.getTime() - policy.predictive.lookbackDays * 1440 * MINUTE);
  const recentEnd = new Date(Math.floor(now.getTime() / MINUTE) * MINUTE);
  const recentStart = new Date(recentEnd.getTime() - (HEADROOM_WINDOW_MINUTES + 60) * MINUTE);
  const metrics = plans.map((plan) => planDemandMetric(policy, plan));
  const queries = (period: (seconds: number) => number): MetricQuery[] =>
    metrics.flatMap((metric, i) => {
      if (!metric) return [];
      const read = { ...metric, periodSeconds: period(metric.periodSeconds) };
      const { percentOf: _, ...plain } = read;
      return [
        { id: `p${i}s`, metric: { ...read, statistic: historyStatistic(metric.statistic) } },
        { id: `p${i}c`, metric: { ...plain, statistic: 'SampleCount' } },
      ];
    });
  const [points, recentPoints, records] = await Promise.all([
    deps.history.history(
      queries(() => PLAN_HISTORY_STEP_MINUTES * 60),
      start,
      end,
    ),
    deps.history.history(
      queries((s) => s),
      recentStart,
      recentEnd,
    ),
    deps.ledger.readPlanMembers([...new Set(plans.flatMap((p) => p.members.map((m) => m.target)))]),
  ]);
  const outcomes = new Map<string, PlanOutcome>();
  for (const [i, plan] of plans.entries()) {
    const metricPeriod = metrics[i]?.periodSeconds ?? 60;
    const statistic = metrics[i]?.statistic ?? 'Sum';
    const history = demandHistory(
      points.get(`p${i}s`) ?? [],
      points.get(`p${i}c`) ?? [],
      PLAN_HISTORY_STEP_MINUTES * 60,
      metricPeriod,
      statistic,
    );
    const recent: ActualLoad = {
      ...demandHistory(
        recentPoints.get(`p${i}s`) ?? [],
        recentPoints.get(`p${i}c`) ?? [],
        metricPeriod,
        metricPeriod,
        statistic,
      ),
      periodMinutes: metricPeriod / 60,
    };
    const observed = Object.fromEntries(
      plan.members.map((m) => [m.target, records.get(m.target)?.leadSeconds ?? []]),
    );
    const model = planModel(policy, plan, observed);
    const outcome = await trustedForecast(deps, plan, model, history, recent, now);
    const members = plan.members.map((m) => m.target);
    outcomes.set(plan.name, cappedOutcome(outcome, model, planMemberStates(records, members, now).states));
  }
  return outcomes;
}

/**
 * The plan's floors held to what its members that cannot follow carry (cannotFollowCap.ts): a group member's are
 * mirrored on its MinSize, which AWS applies without the scaler's caps.
 */
function cappedOutcome(
  outcome: PlanOutcome,
  model: ReturnType<typeof planModel>,
  states: Readonly<Record<string, PlanMemberState>>,
): PlanOutcome {
  if (outcome.status !== 'forecast') return outcome;
  const cap = cannotFollowCap(model, states);
  if (!cap) return outcome;
  const schedules = new Map(
    [...outcome.schedules].map(([name, schedule]) => [
      name,
      schedule && scheduleCappedAt(schedule, cap.units.get(name) ?? Number.POSITIVE_INFINITY, cap.why),
    ]),
  );
  return { ...outcome, schedules };
}

/** One plan's forecast, its previous ones scored (trust, headroom) and this one kept for the next run. */
async function trustedForecast(
  deps: PredictDeps,
  plan: Plan,
  model: ReturnType<typeof planModel>,
  history: ReturnType<typeof demandHistory>,
  recent: ActualLoad,
  now: Date,
): Promise<PlanOutcome> {
  const { predictive } = deps.policy;
  const key = planTrackKey(plan.name);
  const track = await deps.ledger.readForecastTrack(key);
  const judged = judgeTrack(track, { [DEMAND]: history }, now, predictive.trustMaseRatio);
  const { verdict } = judged;
  const calibration = calibrated(track, { [DEMAND]: recent }, now);
  const headroom = floorHeadroom(
    measuredHeadroom(calibration[DEMAND] ?? [], recent.periodMinutes, model.headroomQuantile),
    predictive.capacityBufferPercent,
    predictive.maxBufferPercent,
  );
  const until = floorsUntil(now, predictive);
  const made = planForecastFloors({
    model,
    history,
    headroom,
    maxBufferOfMeanPercent: predictive.maxBufferOfMeanPercent,
    now,
    until,
    staleMinutes: STALE_HISTORY_MINUTES,
  });
  const slowest = Math.max(0, ...model.members.map((m) => m.leadMinutes)) * 60;
  const kept: TrackedForecast[] =
    made.status === 'forecast'
      ? [trackedForecast(DEMAND, made.forecast, history, trackedSteps(made.forecast, until, slowest))]
      : [];
  await written(
    deps,
    'forecast-track',
    deps.ledger.writeForecastTrack(key, {
      madeAt: now.getTime(),
      forecasts: kept,
      ...judgedTrack(track, judged, now),
      calibration,
    } satisfies ForecastTrack),
  );
  if (track && track.trusted !== verdict.trusted)
    await deps.notifier?.trustChanged(
      key,
      verdict.trusted,
      verdict.trusted
        ? `plan ${plan.name}: demand forecast trusted again (${verdict.message}); plan floors back on`
        : `plan ${plan.name}: demand forecast worse than seasonal-naive (${verdict.message}); plan floors off, its members reactive`,
      now,
    );
  if (made.status === 'forecast' && !verdict.trusted)
    return { status: 'untrusted', why: `plan ${plan.name}: forecast untrusted: ${verdict.message}` };
  return made;
}

/**
 * A member with no forecast of its own: the plan's floors as its floors (none when the plan's forecast
 * declined: earlier ones are removed), mirrored on a group's MinSize as far as the checks a target forecasting on
 * its own goes by allow (scheduledActionsOnGroup), and recorded with its reason; nothing written while the kill
 * switch withholds it.
 */
async function writeMemberFloors(
  deps: PredictDeps,
  target: Target,
  plan: Plan,
  outcome: PlanOutcome,
  floors: FloorSchedule | undefined,
  killSwitch: PauseState,
  now: Date,
): Promise<Prediction> {
  const { policy, ledger } = deps;
  const scale = policy.predictive.mode === 'forecast-and-scale';
  const dryRun = target.dryRun ?? policy.dryRun;
  const withheld = scale && killSwitch.state !== 'running' ? killSwitch : undefined;
  let done: GroupActions = { note: '' };
  if (scale && !withheld) {
    await written(deps, 'floors', ledger.writeFloors(target.name, floors));
    // In a dry run nothing goes on the group: it is not read (a call an hour, and a read that could fail).
    if (target.kind === 'asg')
      done = dryRun
        ? DRY_RUN
        : await scheduledActionsOnGroup(
            deps,
            target,
            await deps.groups.group(target.autoScalingGroupName),
            floors,
            false,
          );
  }
  const { scheduledActions } = done;
  const decision = memberDecision(target, plan, outcome, floors, {
    scale,
    withheld,
    budgetCut: done.budgetCut !== undefined,
    actions: done.note,
    now,
    until: floorsUntil(now, policy.predictive),
  });
  await written(
    deps,
    'record',
    ledger.record(decision, { trigger: 'forecast', applied: scale && !dryRun && !withheld, dryRun, now }),
  );
  return {
    decision,
    ...(scale && floors && !withheld ? { floors } : {}),
    ...(scheduledActions ? { scheduledActions } : {}),
    trusted: outcome.status === 'forecast',
  };
}

/** What predict records for a member it wrote the plan's floors for: its reason and what it did (pure). */
function memberDecision(
  target: Target,
  plan: Plan,
  outcome: PlanOutcome,
  floors: FloorSchedule | undefined,
  run: {
    readonly scale: boolean;
    readonly withheld: Exclude<PauseState, { readonly state: 'running' }> | undefined;
    readonly budgetCut: boolean;
    readonly actions: string;
    readonly now: Date;
    readonly until: Date;
  },
): Decision {
  const { scale, withheld } = run;
  const reason: ReasonCode = withheld
    ? withheld.state === 'unknown'
      ? 'PauseUnknown'
      : 'Paused'
    : outcome.status === 'declined'
      ? 'ForecastDeclined'
      : outcome.status === 'untrusted'
        ? 'ForecastUntrusted'
        : !scale
          ? 'ForecastOnly'
          : run.budgetCut
            ? 'ScheduleBudget'
            : 'PlanForecast';
  const span = floorSpan(floors, run.now);
  const { now: floorNow, peak } = span;
  const effect = !scale
    ? `forecast-only: nothing changed (the plan's floors would be ${floorNow} now, up to ${peak})`
    : withheld
      ? `${withheldReason(withheld)}: no floors written (they would be ${floorNow} now, up to ${peak})`
      : floors
        ? `floors ${floorNow} now, up to ${peak} until ${run.until.toISOString()}${run.actions}`
        : 'no floors: reactive only';
  const source = outcome.status !== 'forecast' ? outcome.why : (floors?.source ?? `plan ${plan.name}`);
  return floorsDecision(target, span, reason, `${source}; ${effect}`);
}

function errorText(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error);
}
