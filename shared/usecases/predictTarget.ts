import type { ActualLoad } from '../decision/floorSizing';
import type { NeededCapacity } from '../decision/forecastFloors';
import { type ForecastTrack, judgedTrack, trackedSteps } from '../decision/forecastTrust';
import type { PauseState } from '../decision/pauseState';
import type { FloorSchedule } from '../decision/types';
import type { LoadHistory } from '../forecast/types';
import type { Target } from '../policy/schema';
import type { ForecastDatum } from '../ports';
import { trackedRuns } from '../tune/tunedKnobs';
import type { ForecastOutcome } from './forecastAll';
import { written } from './ledgerWrite';
import { type FloorsWritten, predictionDecision } from './predictionDecision';
import type { PredictDeps, Prediction } from './predictTargets';
import { scheduledActionsOnGroup } from './scheduledActionsOnGroup';
import { type TargetFloorPlan, targetFloorPlan } from './targetFloorPlan';
import { trackedForecast } from './trackedForecast';

const MINUTE = 60_000;
/** CloudWatch takes datapoints up to two hours ahead: the forecast metrics cover that much. */
const PUBLISH_AHEAD_MINUTES = 120;

/**
 * One target's predict run: read its forecast track (and its group's bounds), plan its floors (trust, forecast,
 * need), publish the forecast metrics, write the floors (forecast-and-scale, unless the kill switch withholds
 * them), record the decision, keep the track for the next run's trust, and tell a change of trust.
 */
export async function predictTarget(
  deps: PredictDeps,
  target: Target,
  loads: { histories: Record<string, LoadHistory>; recent: Readonly<Record<string, ActualLoad>> },
  now: Date,
  killSwitch: PauseState,
  planFloors?: FloorSchedule,
): Promise<Prediction> {
  const { policy, ledger } = deps;
  const scale = policy.predictive.mode === 'forecast-and-scale';
  const dryRun = target.dryRun ?? policy.dryRun;
  const track = await ledger.readForecastTrack(target.name);
  const group =
    scale && target.kind === 'asg' ? await deps.groups.group(target.autoScalingGroupName) : undefined;
  const max = Math.min(target.capacity.max, group?.maxSize ?? Number.POSITIVE_INFINITY);
  const floorPlan = targetFloorPlan({
    target,
    predictive: policy.predictive,
    ...loads,
    track,
    max,
    now,
    ...(planFloors ? { planFloors } : {}),
  });
  await deps.publisher.publish(
    forecastData(target, floorPlan.outcome, floorPlan.needed, now, floorPlan.mase),
  );

  const withheld = scale && killSwitch.state !== 'running' ? killSwitch : undefined;
  let done: FloorsWritten = { scale, withheld };
  if (scale && !withheld) {
    await written(deps, 'floors', ledger.writeFloors(target.name, floorPlan.floors));
    if (target.kind === 'asg' && group)
      done = {
        ...done,
        onGroup: await scheduledActionsOnGroup(deps, target, group, floorPlan.floors, dryRun),
      };
  }

  const decision = predictionDecision(target, floorPlan, done, now);
  const applied = scale && !dryRun && !withheld;
  await written(deps, 'record', ledger.record(decision, { trigger: 'forecast', applied, dryRun, now }));
  await keepTrack(deps, target, track, floorPlan, loads.histories, now);

  const trusted = floorPlan.judged.verdict.trusted;
  return {
    decision,
    ...(scale && floorPlan.floors && !withheld ? { floors: floorPlan.floors } : {}),
    needed: floorPlan.needed,
    ...(done.onGroup?.scheduledActions ? { scheduledActions: done.onGroup.scheduledActions } : {}),
    trusted,
    ...(floorPlan.mase !== undefined ? { mase: floorPlan.mase } : {}),
  };
}

/**
 * The track the next run judges: this run's forecasts (as far as the floors and their lead reach), those still
 * in flight, the scores, the verdict and the headroom's record; and a notice when the verdict changed.
 */
async function keepTrack(
  deps: PredictDeps,
  target: Target,
  track: ForecastTrack | undefined,
  floorPlan: TargetFloorPlan,
  histories: Readonly<Record<string, LoadHistory>>,
  now: Date,
): Promise<void> {
  const { predictive } = deps.policy;
  const { outcome, judged, until, lead } = floorPlan;
  const reach = until.getTime() + lead * 1000;
  const next: ForecastTrack = {
    madeAt: now.getTime(),
    forecasts: outcome.forecasts.map(({ rule, forecast }) =>
      trackedForecast(rule.name, forecast, histories[rule.name], trackedSteps(forecast, until, lead)),
    ),
    ...judgedTrack(track, judged, now),
    calibration: floorPlan.calibration,
    ...(predictive.tuning.enabled
      ? { runs: trackedRuns(predictive, target, track, outcome.forecasts, now, reach) }
      : {}),
  };
  await written(deps, 'forecast-track', deps.ledger.writeForecastTrack(target.name, next));
  const { verdict } = judged;
  if (track && track.trusted !== verdict.trusted)
    await deps.notifier?.trustChanged(
      target.name,
      verdict.trusted,
      verdict.trusted
        ? `${target.name}: forecast trusted again (${verdict.message}); predictive floors back on`
        : `${target.name}: forecast worse than seasonal-naive (${verdict.message}); predictive floors off, reactive only`,
      now,
    );
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
