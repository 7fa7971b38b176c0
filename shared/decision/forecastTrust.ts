import type { LoadHistory } from '../forecast/types';
import type { ForecastRun } from '../tune/forecastRuns';
import type { CalibrationPoint } from './floorSizing';

/**
 * Trust in a target's forecast, measured continuously over the whole span its floors use: every run scores the
 * forecasts earlier runs made (the last run's and those still in flight, a few per span) against the load that
 * has since happened, each step once per forecast, next to what daily seasonal-naive would have said from the
 * same origin (the latest same time of day before the forecast started: yesterday for its first day, the day
 * before for its second), both scaled by the history's own seasonal-naive error (MASE). While the forecast has
 * done worse than seasonal-naive over the last week, its floors are off. Pure and step by step: the predict
 * function calls it once a run, the backtest once a simulated hour.
 */

/** One rule's forecast as kept for scoring: the point forecast from `start`, and the scale of its errors. */
export interface TrackedForecast {
  readonly rule: string;
  /** Epoch ms of `point[0]`. */
  readonly start: number;
  /** Its steps up to this time (epoch ms, inclusive) have been scored (absent: none, or the track's `scoredUntil`). */
  readonly scoredUntil?: number;
  readonly stepMinutes: number;
  readonly point: readonly number[];
  /** The in-sample mean absolute error of daily seasonal-naive on the history it was made from (MASE's scale). */
  readonly scale: number;
}

/** One run's score of the previous forecasts: scaled absolute errors summed over the steps scored. */
export interface ForecastScore {
  /** Epoch ms of the run that scored. */
  readonly at: number;
  readonly steps: number;
  readonly forecastError: number;
  readonly naiveError: number;
}

/** What the ledger keeps per target for trust (JSON: times are epoch ms). */
export interface ForecastTrack {
  readonly madeAt: number;
  /** The last run's forecasts: the ones in force. */
  readonly forecasts: readonly TrackedForecast[];
  /** Earlier runs' forecasts whose span has not all happened yet (scored as it does; see `inFlightAfter`). */
  readonly inFlight?: readonly TrackedForecast[];
  /** Steps up to this time (epoch ms, inclusive) of `forecasts` have been scored (older tracks: of all). */
  readonly scoredUntil: number;
  /** The last week's scores, oldest first. */
  readonly scores: readonly ForecastScore[];
  /** The verdict of the run that wrote it (a change of verdict is recorded and told). */
  readonly trusted: boolean;
  /** Per rule, actual ÷ forecast minute by minute, over the last 6 hours of forecasts in force: the floors' headroom. */
  readonly calibration?: Readonly<Record<string, readonly CalibrationPoint[]>>;
  /** Per rule, the recent runs' point forecasts as they were in force: what walk-forward tuning scores (issue 22). */
  readonly runs?: Readonly<Record<string, readonly ForecastRun[]>>;
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;
/** Under this many scored steps in the week (6 hours at 5 minutes), the forecast keeps the benefit of the doubt. */
export const MIN_SCORED_STEPS = 72;
/** At most this many steps of a forecast are kept for scoring (2 days at 5 minutes: the longest span of floors). */
export const KEPT_STEPS = 576;

/**
 * The mean absolute error of daily seasonal-naive over a history: MASE's scale. At least a millionth of the mean
 * load (a perfectly periodic load would make every error infinite), and 1 when it cannot be told or is 0.
 */
export function seasonalNaiveScale(history: LoadHistory): number {
  const byTime = new Map(history.times.map((t, i) => [t, history.values[i] as number]));
  let sum = 0;
  let n = 0;
  let level = 0;
  history.times.forEach((t, i) => {
    level += Math.abs(history.values[i] as number);
    const before = byTime.get(t - DAY);
    if (before === undefined) return;
    sum += Math.abs((history.values[i] as number) - before);
    n += 1;
  });
  const least = (1e-6 * level) / Math.max(1, history.times.length);
  return n > 0 && sum > 0 ? Math.max(sum / n, least) : 1;
}

/** The load of a rule at a time (epoch ms of a history datapoint), or undefined when there is none. */
export type ActualAt = (rule: string, time: number) => number | undefined;

/** The lookup of the histories read this run. */
export function actualFrom(histories: Readonly<Record<string, LoadHistory>>): ActualAt {
  const byRule = new Map<string, Map<number, number>>();
  return (rule, time) => {
    let byTime = byRule.get(rule);
    if (!byTime) {
      const history = histories[rule];
      byTime = new Map(history ? history.times.map((t, i) => [t, history.values[i] as number]) : []);
      byRule.set(rule, byTime);
    }
    return byTime.get(time);
  };
}

/**
 * Scores the tracked forecasts (the last run's and those in flight) on their steps after each one's
 * `scoredUntil` that now have an actual value, and a value at the same time of day before the forecast started
 * (seasonal-naive from its origin), up to `now`. Returns the score (undefined when no step could be scored),
 * the `scoredUntil` of the last run's forecasts, and every forecast with how far it has been scored.
 */
export function scoreTrack(
  track: ForecastTrack,
  histories: Readonly<Record<string, LoadHistory>> | ActualAt,
  now: Date,
): { score?: ForecastScore; scoredUntil: number; scored: TrackedForecast[] } {
  const actual = typeof histories === 'function' ? histories : actualFrom(histories);
  let steps = 0;
  let forecastError = 0;
  let naiveError = 0;
  let scoredUntil = track.scoredUntil;
  // In flight first, then the last run's (whose reach is the track's). One loop, the sums its own locals (a
  // closure's would box every double it adds): every hour of a backtest.
  const inFlight = track.inFlight ?? [];
  const scored: TrackedForecast[] = new Array(inFlight.length + track.forecasts.length);
  for (let j = 0; j < scored.length; j += 1) {
    const last = j >= inFlight.length;
    const f = (last ? track.forecasts[j - inFlight.length] : inFlight[j]) as TrackedForecast;
    const from = f.scoredUntil ?? track.scoredUntil;
    let until = from;
    const stepMs = f.stepMinutes * 60_000;
    const first = Math.max(0, Math.floor((from - f.start) / stepMs) + 1);
    for (let i = first; i < f.point.length; i += 1) {
      const time = f.start + i * stepMs;
      if (time > now.getTime()) break;
      const value = actual(f.rule, time);
      // The same time of day, on the latest day before the forecast started: what naive said from its origin.
      const naive = actual(f.rule, time - (Math.floor((time - f.start) / DAY) + 1) * DAY);
      if (value === undefined || naive === undefined) continue;
      steps += 1;
      forecastError += Math.abs((f.point[i] as number) - value) / f.scale;
      naiveError += Math.abs(naive - value) / f.scale;
      until = time;
    }
    const made: TrackedForecast = { ...f, scoredUntil: until };
    scored[j] = made;
    if (last) scoredUntil = Math.max(scoredUntil, made.scoredUntil ?? scoredUntil);
  }
  return steps > 0
    ? { score: { at: now.getTime(), steps, forecastError, naiveError }, scoredUntil, scored }
    : { scoredUntil, scored };
}

/**
 * A run's judgement of the track the run before left: its forecasts scored on what has happened since, and the
 * verdict on the last week's scores with this run's (`maxRatio`: the policy's `predictive.trustMaseRatio`).
 */
export function judgeTrack(
  track: ForecastTrack | undefined,
  actual: Readonly<Record<string, LoadHistory>> | ActualAt,
  now: Date,
  maxRatio: number,
) {
  const scored = track ? scoreTrack(track, actual, now) : undefined;
  // The week's scores and this run's after them, not joined in a copy (a week of hourly scores, every hour).
  const verdict = trustVerdict(track?.scores ?? [], now, maxRatio, scored?.score);
  return { scored, verdict };
}

/** What a run's track carries on of its judgement: the forecasts still in flight, how far scored, the verdict. */
export function judgedTrack(
  track: ForecastTrack | undefined,
  { scored, verdict }: ReturnType<typeof judgeTrack>,
  now: Date,
): Pick<ForecastTrack, 'inFlight' | 'scoredUntil' | 'scores' | 'trusted'> {
  return {
    inFlight: inFlightAfter(scored?.scored ?? [], now),
    scoredUntil: scored?.scoredUntil ?? track?.scoredUntil ?? 0,
    scores: verdict.scores,
    trusted: verdict.trusted,
  };
}

/** Forecasts in flight per rule: one is kept for every eighth of the span the floors use (and the newest). */
export const IN_FLIGHT_PER_SPAN = 8;

/**
 * What stays in flight after a run: the scored forecasts (the previous run's and those in flight) whose last
 * step is still to come, thinned per rule to one for every eighth of its span, counted from the oldest kept, and
 * the newest: a 48 h span keeps about 9 forecasts of a rule, not 48, and every lead of the span is still scored,
 * from fewer origins. (Thinned from the newest, as it was, each hour's forecast pushed out the one before it:
 * only the last run's stayed, and the gate scored each forecast's first two hours alone.)
 */
export function inFlightAfter(scored: readonly TrackedForecast[], now: Date): TrackedForecast[] {
  // A forecast stays while its last step is still to be scored, and not a day past (a gap never fills).
  const open: TrackedForecast[] = [];
  for (let i = 0; i < scored.length; i += 1) {
    const f = scored[i] as TrackedForecast;
    const last = f.start + (f.point.length - 1) * f.stepMinutes * 60_000;
    if (last > (f.scoredUntil ?? now.getTime()) && last > now.getTime() - DAY) open.push(f);
  }
  const byRule = new Map<string, TrackedForecast[]>();
  // `open` is a copy of its own: sorted in place (a stable sort, as the copy's was).
  byStart(open);
  for (let i = 0; i < open.length; i += 1) {
    const f = open[i] as TrackedForecast;
    const forecasts = byRule.get(f.rule);
    if (forecasts) forecasts.push(f);
    else byRule.set(f.rule, [f]);
  }
  const kept: TrackedForecast[] = [];
  for (const forecasts of byRule.values()) {
    let last: TrackedForecast | undefined;
    for (let i = 0; i < forecasts.length; i += 1) {
      const f = forecasts[i] as TrackedForecast;
      const span = f.point.length * f.stepMinutes * 60_000;
      if (last && f.start - last.start < span / IN_FLIGHT_PER_SPAN && i < forecasts.length - 1) continue;
      kept.push(f);
      last = f;
    }
  }
  return byStart(kept);
}

/**
 * Sorts forecasts by start in place (stably), as `sort((a, b) => a.start - b.start)`; forecasts already in order
 * (mostly: the last run's come after those in flight) are left as they are, which is what a stable sort does.
 */
function byStart(forecasts: TrackedForecast[]): TrackedForecast[] {
  for (let i = 1; i < forecasts.length; i += 1)
    if ((forecasts[i] as TrackedForecast).start < (forecasts[i - 1] as TrackedForecast).start)
      return forecasts.sort((a, b) => a.start - b.start);
  return forecasts;
}

/**
 * Steps of a forecast kept for scoring: the span its floors use, from its start to `until` plus the lead (a
 * floor at a step plans for the load up to the lead later). At least one step.
 */
export function trackedSteps(
  forecast: { readonly start: number; readonly stepMinutes: number },
  until: Date,
  leadSeconds: number,
): number {
  const stepMs = forecast.stepMinutes * 60_000;
  return Math.max(1, Math.ceil((until.getTime() + leadSeconds * 1000 - forecast.start) / stepMs));
}

/**
 * The last week's scores and the verdict on them: trusted while the forecast's MASE is at most `maxRatio` ×
 * seasonal-naive's (the policy's `predictive.trustMaseRatio`; 1: no worse than naive).
 */
export function trustVerdict(
  scores: readonly ForecastScore[],
  now: Date,
  maxRatio = 1,
  /** This run's score, judged after `scores` as if it were their last. */
  latest?: ForecastScore,
): { trusted: boolean; scores: ForecastScore[]; mase?: number; naiveMase?: number; message: string } {
  // The week's sums (each in the week's order), then the week copied into an array of its size: a backtest
  // judges a week of hourly scores every hour, and an array grown by push made several times the garbage.
  const from = now.getTime() - WEEK;
  const all = scores.length + (latest ? 1 : 0);
  const scoreAt = (i: number) => (i < scores.length ? scores[i] : latest) as ForecastScore;
  let count = 0;
  let steps = 0;
  let forecastError = 0;
  let naiveError = 0;
  for (let i = 0; i < all; i += 1) {
    const s = scoreAt(i);
    if (!(s.at > from)) continue;
    count += 1;
    steps += s.steps;
    forecastError += s.forecastError;
    naiveError += s.naiveError;
  }
  const week: ForecastScore[] = new Array(count);
  for (let i = 0, k = 0; k < count; i += 1) if (scoreAt(i).at > from) week[k++] = scoreAt(i);
  if (steps === 0) return { trusted: true, scores: week, message: 'not scored yet' };
  const mase = forecastError / steps;
  const naiveMase = naiveError / steps;
  const figures = `MASE ${mase.toFixed(2)} against seasonal-naive ${naiveMase.toFixed(2)} over the last week (${steps} steps)`;
  if (steps < MIN_SCORED_STEPS)
    return { trusted: true, scores: week, mase, naiveMase, message: `${figures}: too few to judge` };
  const trusted = mase <= maxRatio * naiveMase;
  return {
    trusted,
    scores: week,
    mase,
    naiveMase,
    message: maxRatio === 1 ? figures : `${figures} (trusted up to ×${maxRatio})`,
  };
}
