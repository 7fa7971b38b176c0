import type { ForecastTrack, TrackedForecast } from '../decision/forecastTrust';
import type { ForecastRun } from '../tune/forecastRuns';
import { dynamoValueSize } from './dynamoItemSize';

/**
 * The most the forecast track's item may take by `dynamoItemSize`: DynamoDB refuses an item over 400 KB, and the
 * estimate is AWS's "about" for numbers, so 50 KB are left for its error.
 */
export const FORECAST_ITEM_BUDGET = 350_000;

/** A track cut to fit its item, and what was cut. */
export interface FittedTrack {
  readonly track: ForecastTrack;
  readonly budget: number;
  /** The item's estimated size before and after. */
  readonly from: number;
  readonly size: number;
  readonly droppedRuns: number;
  readonly droppedInFlight: number;
}

/**
 * The track as its item can hold it: unchanged when `itemSize` of it is within `budget`; else without its oldest
 * runs (by the time they were made, whatever their rule) until it fits, then, if still over, without its oldest
 * in-flight forecasts. Runs go first: they only tune the knobs, which fall back to the defaults on a short
 * record; in-flight forecasts feed the trust that gates the floors. The forecasts in force, scores and
 * calibration stay: the next run needs them whole. Never refuses: a track still over budget is returned cut as
 * far as it goes (`size` says so), for the write to try.
 */
export function fittedTrack(
  track: ForecastTrack,
  itemSize: (track: ForecastTrack) => number,
  budget = FORECAST_ITEM_BUDGET,
): FittedTrack {
  const from = itemSize(track);
  if (from <= budget) return { track, budget, from, size: from, droppedRuns: 0, droppedInFlight: 0 };
  const runs = Object.values(track.runs ?? {})
    .flat()
    .sort((a, b) => a.madeAt - b.madeAt);
  const inFlight = [...(track.inFlight ?? [])].sort((a, b) => a.start - b.start);
  // Each element dropped from a list takes its own size and its byte of list overhead off the item.
  let over = from - budget;
  const dropped = new Set<ForecastRun | TrackedForecast>();
  for (const element of [...runs, ...inFlight]) {
    if (over <= 0) break;
    dropped.add(element);
    over -= 1 + dynamoValueSize(element);
  }
  const fitted = withoutDropped(track, dropped);
  return {
    track: fitted,
    budget,
    from,
    size: itemSize(fitted),
    droppedRuns: runs.filter((r) => dropped.has(r)).length,
    droppedInFlight: inFlight.filter((f) => dropped.has(f)).length,
  };
}

/** The track without the runs and in-flight forecasts dropped (a rule left with no run goes, as trackedRuns does). */
function withoutDropped(
  track: ForecastTrack,
  dropped: ReadonlySet<ForecastRun | TrackedForecast>,
): ForecastTrack {
  const runs = Object.entries(track.runs ?? {})
    .map(([rule, kept]) => [rule, kept.filter((r) => !dropped.has(r))] as const)
    .filter(([, kept]) => kept.length > 0);
  return {
    ...track,
    ...(track.runs ? { runs: Object.fromEntries(runs) } : {}),
    ...(track.inFlight ? { inFlight: track.inFlight.filter((f) => !dropped.has(f)) } : {}),
  };
}

/** What to warn of a track that was over its budget (undefined: it was not), and whether cutting was enough. */
export function fittedTrackWarning(
  fitted: FittedTrack,
): { message: string; figures: Record<string, number> } | undefined {
  if (fitted.from <= fitted.budget) return undefined;
  const { budget, from, size, droppedRuns, droppedInFlight } = fitted;
  return {
    message:
      size <= budget
        ? 'forecast track over its item budget: its oldest runs (then in-flight forecasts) were left out'
        : 'forecast track over its item budget even without its runs and in-flight forecasts: written as it is',
    figures: { budget, bytes: from, written: size, droppedRuns, droppedInFlight },
  };
}
