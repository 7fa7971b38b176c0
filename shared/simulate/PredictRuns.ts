import {
  type ActualLoad,
  type CalibrationPoint,
  calibrate,
  floorHeadroom,
  HEADROOM_WINDOW_MINUTES,
  measuredHeadroom,
} from '../decision/floorSizing';
import { floorsUntil, forecastHorizonMinutes, unforecastable } from '../decision/forecastFloors';
import {
  type ForecastTrack,
  KEPT_STEPS,
  scoreTrack,
  seasonalNaiveScale,
  type TrackedForecast,
  trustVerdict,
} from '../decision/forecastTrust';
import { forecastLoad } from '../forecast/forecastLoad';
import type { LoadForecast, LoadHistory } from '../forecast/types';
import type { PredictivePolicy, Rule } from '../policy/schema';
import { historyBefore, StepMeans } from './historyBefore';

/** What the backtest's predict function reads and how it forecasts (see `FloorSettings` in predictive.ts). */
export interface PredictSettings {
  readonly predictive: PredictivePolicy;
  readonly quantile: number;
  readonly lookbackMinutes: number;
  readonly stepMinutes: number;
}

/**
 * One hourly run of the predict function in the backtest, before it is turned into one kind's floors: the
 * forecast (in the load's own unit), the trust verdict on the forecasts before it, and the headroom its floors
 * plan for. `untrusted` keeps the forecast (it is scored next run, so trust can come back) but gives no floors.
 */
export interface PredictRun {
  readonly status: 'forecast' | 'declined' | 'untrusted';
  /** The forecast made (a `declined` run has none). */
  readonly forecast?: LoadForecast;
  /** Why a run gives no forecast floors: the forecaster's reason, or the trust verdict. */
  readonly why?: string;
  readonly headroom: number;
  /** The headroom is measured (else the policy's buffer, under 4 h of forecasts scored). */
  readonly measured: boolean;
  readonly trust: string;
}

const MINUTE = 60_000;
/**
 * Every run forecasts at least this far past its floors, whatever the kind's lead: a longer forecast has the same
 * first steps (the forecaster is tested for it), so the kinds replaying one trace (a group's 5 minutes, a cache's
 * 10, a replica's 15) share one forecast, one trust verdict and one headroom per run.
 */
const SHARED_LEAD_SECONDS = 900;

/**
 * The predict function's hourly runs over one replayed series, exactly as `predictTargets` makes each one:
 * the previous run's forecasts scored against seasonal-naive (`scoreTrack`, `trustVerdict`), their minutes
 * scored for the headroom (`calibrate`, `measuredHeadroom`), then a forecast from the history before the run.
 * Each run reads the load before its minute only. A run is made once and kept: every kind and every row that
 * replays the series shares it (runs happen at the same minutes for all: each new clock hour).
 */
export class PredictRuns {
  private readonly runs = new Map<number, PredictRun>();
  private last = Number.NEGATIVE_INFINITY;
  private track: ForecastTrack | undefined;
  private readonly means: StepMeans;

  constructor(
    private readonly settings: PredictSettings,
    private readonly rules: readonly Rule[],
    private readonly refused: readonly string[],
    minutes: number,
    private readonly lead: number,
  ) {
    this.means = new StepMeans(minutes, settings.stepMinutes);
  }

  /** The run at minute m (`now` its time), made now if it is the next one. `load(j)` is asked for j < m only. */
  at(m: number, now: number, load: (j: number) => number): PredictRun {
    const made = this.runs.get(m);
    if (made) return made;
    if (m <= this.last)
      throw new RangeError(`predict runs: minute ${m} is before the last run (${this.last})`);
    this.last = m;
    const run = this.predict(m, now, load);
    this.runs.set(m, run);
    return run;
  }

  private predict(m: number, now: number, load: (j: number) => number): PredictRun {
    const { settings, rules } = this;
    const at = new Date(now);
    const start = now - m * MINUTE;
    const history = historyBefore(load, start, m, settings, this.means);
    // Every rule reads the one replayed load (its unit does not matter to a scaled error).
    const histories = Object.fromEntries(rules.map((rule) => [rule.name, history]));
    const previous = this.track;
    const scored = previous ? scoreTrack(previous, histories, at) : undefined;
    const verdict = trustVerdict([...(previous?.scores ?? []), ...(scored?.score ? [scored.score] : [])], at);
    const calibration = this.calibrated(previous, start, m, now, load);
    // The backtest's actual load is per minute: one calibration point a minute.
    const measured = measuredHeadroom(calibration[rules[0]?.name ?? ''] ?? [], 1);
    const headroom = floorHeadroom(measured, settings.predictive.capacityBufferPercent);
    const outcome = this.forecast(history, now, verdict);
    this.track = {
      madeAt: now,
      forecasts: outcome.forecast ? this.tracked(outcome.forecast, history) : [],
      scoredUntil: scored?.scoredUntil ?? previous?.scoredUntil ?? 0,
      scores: verdict.scores,
      trusted: verdict.trusted,
      calibration,
    };
    return { ...outcome, headroom, measured: measured !== undefined, trust: verdict.message };
  }

  /** The forecast, or why there is none (as predict's `forecastAll`: declined, or untrusted with its forecast). */
  private forecast(
    history: LoadHistory,
    now: number,
    verdict: { trusted: boolean; message: string },
  ): Pick<PredictRun, 'status' | 'forecast' | 'why'> {
    if (this.rules.length === 0)
      return { status: 'declined', why: `no rule to forecast: ${this.refused.join('; ')}` };
    const until = floorsUntil(new Date(now), this.settings.predictive);
    const newest = history.times.at(-1) ?? until.getTime();
    const made = forecastLoad(history, {
      stepMinutes: this.settings.stepMinutes,
      quantile: this.settings.quantile,
      horizonMinutes: forecastHorizonMinutes(newest, until, Math.max(this.lead, SHARED_LEAD_SECONDS)),
    });
    if (made.status === 'declined')
      return { status: 'declined', why: `rule ${this.rules[0]?.name}: ${made.reason}: ${made.message}` };
    if (!verdict.trusted)
      return { status: 'untrusted', forecast: made, why: `forecast untrusted: ${verdict.message}` };
    return { status: 'forecast', forecast: made };
  }

  /** What the next run scores: each rule's forecast, trimmed, with the MASE scale of the history it came from. */
  private tracked(forecast: LoadForecast, history: LoadHistory): TrackedForecast[] {
    const scale = seasonalNaiveScale(history);
    const point = forecast.point.slice(0, KEPT_STEPS);
    return this.rules.map((rule) => ({
      rule: rule.name,
      start: forecast.start,
      stepMinutes: forecast.stepMinutes,
      point,
      scale,
    }));
  }

  /**
   * Each rule's calibration after this run, as predict's: the record kept within the window, and the previous
   * run's forecasts scored on the minutes that have happened since they started.
   */
  private calibrated(
    track: ForecastTrack | undefined,
    start: number,
    m: number,
    now: number,
    load: (j: number) => number,
  ): Record<string, readonly CalibrationPoint[]> {
    const from = now - HEADROOM_WINDOW_MINUTES * MINUTE;
    const calibration: Record<string, readonly CalibrationPoint[]> = Object.fromEntries(
      Object.entries(track?.calibration ?? {})
        .map(([rule, points]) => [rule, points.filter((p) => p.time >= from)] as const)
        .filter(([, points]) => points.length > 0),
    );
    for (const f of track?.forecasts ?? []) {
      const first = Math.max(0, Math.ceil((f.start - start) / MINUTE));
      const times: number[] = [];
      const values: number[] = [];
      for (let j = first; j < m; j += 1) {
        times.push(start + j * MINUTE);
        values.push(load(j));
      }
      const actual: ActualLoad = { times, values, periodMinutes: 1 };
      calibration[f.rule] = calibrate(calibration[f.rule] ?? [], f, actual, f.start - 1, now);
    }
    return calibration;
  }
}

/**
 * The predict runs of a series, by its identity and everything a run depends on: the kinds and rows that
 * replay one trace share them (the series is only the key; a run reads `load(j)` through its caller's view).
 */
const runsBySeries = new WeakMap<object, Map<string, PredictRuns>>();
export function predictRunsFor(
  series: object | undefined,
  start: number,
  settings: PredictSettings,
  targetRules: readonly Rule[],
  minutes: number,
  lead: number,
): PredictRuns {
  const rules = targetRules.filter((r) => unforecastable(r) === undefined);
  const refused = targetRules.map(unforecastable).filter((r): r is string => r !== undefined);
  const make = () => new PredictRuns(settings, rules, refused, minutes, lead);
  if (!series) return make();
  const p = settings.predictive;
  const key = JSON.stringify([
    start,
    settings.quantile,
    settings.lookbackMinutes,
    settings.stepMinutes,
    p.horizonMinutes,
    p.capacityBufferPercent,
    rules.map((r) => r.name),
    refused,
    Math.max(lead, SHARED_LEAD_SECONDS),
  ]);
  let bySeries = runsBySeries.get(series);
  if (!bySeries) {
    bySeries = new Map();
    runsBySeries.set(series, bySeries);
  }
  let runs = bySeries.get(key);
  if (!runs) {
    runs = make();
    bySeries.set(key, runs);
  }
  return runs;
}
