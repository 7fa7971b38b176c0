import { type CalibrationPoint, floorHeadroom, HEADROOM_WINDOW_MINUTES } from '../decision/floorSizing';
import {
  floorsUntil,
  forecastHorizonMinutes,
  STALE_HISTORY_MINUTES,
  unforecastable,
} from '../decision/forecastFloors';
import {
  type ActualAt,
  type ForecastTrack,
  judgedTrack,
  judgeTrack,
  KEPT_STEPS,
  type TrackedForecast,
  trackedSteps,
} from '../decision/forecastTrust';
import { withSeasonalFloor } from '../decision/seasonalFloor';
import type { LoadForecast } from '../forecast/types';
import type { PredictivePolicy, Rule } from '../policy/schema';
import { CalibrationRecord, calibrationOf, type KeptCalibration } from './CalibrationRecord';
import { type HistoryReadSettings, SeriesForecasts } from './SeriesForecasts';

/** What the backtest's predict function reads and how it forecasts (see `FloorSettings` in predictive.ts). */
export interface PredictSettings extends HistoryReadSettings {
  readonly predictive: PredictivePolicy;
}

/** A rule's headroom at a run: what its floors plan for above the forecast, and whether it was measured. */
export interface RuleHeadroom {
  readonly rule: Rule;
  readonly headroom: number;
  /** Measured from the forecasts' record (else the policy's buffer: under 4 h of forecasts scored). */
  readonly measured: boolean;
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
  /** Each forecastable rule's headroom, in the target's order. */
  readonly headrooms: readonly RuleHeadroom[];
  readonly trusted: boolean;
  readonly trust: string;
  /** Each rule's actual ÷ forecast record after this run (walk-forward tuning measures its own quantile of it). */
  readonly calibration: Readonly<Record<string, readonly CalibrationPoint[]>>;
}

/**
 * A run as kept: its calibration made again from the kept record when read (walk-forward tuning reads it, once
 * per target and run). A getter of the class: a copy of the run made by spreading it has no calibration.
 */
class MadeRun implements PredictRun {
  readonly status: PredictRun['status'];
  readonly forecast: LoadForecast | undefined;
  readonly why: string | undefined;

  constructor(
    outcome: Pick<PredictRun, 'status' | 'forecast' | 'why'>,
    readonly headrooms: readonly RuleHeadroom[],
    readonly trusted: boolean,
    readonly trust: string,
    private readonly kept: KeptCalibration,
  ) {
    this.status = outcome.status;
    this.forecast = outcome.forecast;
    this.why = outcome.why;
  }

  get calibration(): Readonly<Record<string, readonly CalibrationPoint[]>> {
    return calibrationOf(this.kept);
  }
}

const MINUTE = 60_000;
/**
 * The first kind to reach a run forecasts at least this far past the floors, whatever its own lead: the kinds
 * replaying one trace after it (a group's 5 minutes, a cache's 10, a replica's 15) take their forecast from it.
 */
const SHARED_LEAD_SECONDS = 900;
/** The recent load the function reads for the headroom: its window and the hour since the forecast it scores. */
const RECENT_READ_MINUTES = HEADROOM_WINDOW_MINUTES + 60;

/**
 * The predict function's hourly runs for one target over one replayed series, each made exactly as
 * `predictTargets` makes it: the forecasts of earlier runs still in flight scored against the load that has
 * happened, next to seasonal-naive (`scoreTrack`, `trustVerdict`, `inFlightAfter`), the last run's forecast scored
 * minute by minute for the headroom (`calibrate`, `measuredHeadroom`), then a forecast from the history before the
 * run (SeriesForecasts: shared by every target and kind replaying the series), kept for the next runs over the
 * span its floors use (`trackedSteps`). Each run reads the load before its minute only, and is made once: the
 * rows and repeated backtests of the same target share it.
 */
export class PredictRuns {
  private readonly runs = new Map<number, PredictRun>();
  private last = Number.NEGATIVE_INFINITY;
  private track: ForecastTrack | undefined;
  /** The headroom's record, run after run: each run keeps where its calibration lies in it. */
  private readonly calibrations = new CalibrationRecord();
  /** The run being made, read by `actualAt` (the history the function read at that run). */
  private runMinute = 0;
  private load: (j: number) => number = () => Number.NaN;
  private readonly actualAt: ActualAt = (_rule, time) => this.history.actual(this.runMinute, this.load, time);

  constructor(
    private readonly history: SeriesForecasts,
    private readonly predictive: PredictivePolicy,
    /** The target's forecastable rules, and why the others are not. */
    private readonly rules: readonly Rule[],
    private readonly refused: readonly string[],
    private readonly lead: number,
  ) {}

  /** The run at minute m (`now` its time), made now if it is the next one. `load(j)` is asked for j < m only. */
  at(m: number, now: number, load: (j: number) => number): PredictRun {
    const made = this.runs.get(m);
    if (made) return made;
    if (m <= this.last)
      throw new RangeError(`predict runs: minute ${m} is before the last run (${this.last})`);
    this.last = m;
    this.runMinute = m;
    this.load = load;
    const run = this.predict(m, now, load);
    this.runs.set(m, run);
    return run;
  }

  private predict(m: number, now: number, load: (j: number) => number): PredictRun {
    const at = new Date(now);
    const previous = this.track;
    // Trust: the previous forecasts against what has happened since.
    const judged = judgeTrack(previous, this.actualAt, at, this.predictive.trustMaseRatio);
    const { verdict } = judged;
    this.calibrate(previous, m, now, load);
    const headrooms = this.rules.map((rule) => {
      const measured = this.calibrations.headroom(rule.name, rule.metric.periodSeconds / 60);
      return {
        rule,
        headroom: floorHeadroom(
          measured,
          this.predictive.capacityBufferPercent,
          this.predictive.maxBufferPercent,
        ),
        measured: measured !== undefined,
      };
    });
    const until = floorsUntil(at, this.predictive);
    const outcome = this.forecast(m, now, load, until, verdict);
    const kept = outcome.forecast ? trackedSteps(outcome.forecast, until, this.lead) : 0;
    this.track = {
      madeAt: now,
      forecasts: outcome.forecast ? this.tracked(outcome.forecast, m, load, kept) : [],
      ...judgedTrack(previous, judged, at),
    };
    return new MadeRun(outcome, headrooms, verdict.trusted, verdict.message, this.calibrations.keep());
  }

  /** The forecast, or why there is none, as predict's `forecastAll`: declined (stale, too little history), or untrusted. */
  private forecast(
    m: number,
    now: number,
    load: (j: number) => number,
    until: Date,
    verdict: { trusted: boolean; message: string },
  ): Pick<PredictRun, 'status' | 'forecast' | 'why'> {
    const rule = this.rules[0];
    if (!rule) return { status: 'declined', why: `no rule to forecast: ${this.refused.join('; ')}` };
    // Every rule reads the one replayed load: the first one's outcome is every one's.
    const present = this.history.newest(m, load);
    const newest = present ?? until.getTime();
    if (present !== undefined && newest < now - STALE_HISTORY_MINUTES * MINUTE)
      return {
        status: 'declined',
        why: `rule ${rule.name}: no datapoint since ${new Date(newest).toISOString()}, over ${STALE_HISTORY_MINUTES / 60} h ago: reactive only`,
      };
    const made = this.history.forecast(
      m,
      load,
      forecastHorizonMinutes(newest, until, this.lead),
      forecastHorizonMinutes(newest, until, Math.max(this.lead, SHARED_LEAD_SECONDS)),
    );
    if (made.status === 'declined')
      return { status: 'declined', why: `rule ${rule.name}: ${made.reason}: ${made.message}` };
    // As predict's: the seasonal floor read from the run's own history (the steps before its minute).
    const floored = withSeasonalFloor(
      made,
      (time) => this.history.actual(m, load, time),
      this.predictive.seasonalFloor,
    );
    if (!verdict.trusted)
      return { status: 'untrusted', forecast: floored, why: `forecast untrusted: ${verdict.message}` };
    return { status: 'forecast', forecast: floored };
  }

  /** What the next runs score: each rule's forecast over the span its floors use, with its history's MASE scale. */
  private tracked(
    forecast: LoadForecast,
    m: number,
    load: (j: number) => number,
    steps: number,
  ): TrackedForecast[] {
    const scale = this.history.seasonalNaiveScale(m, load);
    const point = forecast.point.slice(0, Math.min(KEPT_STEPS, steps));
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
   * run's forecasts scored on the periods of the rule's metric (a minute, mostly) that have ended since they
   * started, each period's load the mean of its minutes, read from the recent load the function reads for the
   * headroom (its window and the hour since the forecast it scores; earlier periods it skips).
   */
  private calibrate(
    track: ForecastTrack | undefined,
    m: number,
    now: number,
    load: (j: number) => number,
  ): void {
    const start = now - m * MINUTE;
    const readFrom = Math.max(now - RECENT_READ_MINUTES * MINUTE, start);
    this.calibrations.advance(now);
    for (const f of track?.forecasts ?? []) {
      const rule = this.rules.find((r) => r.name === f.rule);
      if (!rule) continue;
      const read = { start, periodMinutes: rule.metric.periodSeconds / 60, load };
      this.calibrations.score(f.rule, f, read, readFrom, now);
    }
  }
}

/** The series forecasts and predict runs of a replayed series, by its identity and what they depend on. */
const bySeries = new WeakMap<object, Map<string, SeriesForecasts | PredictRuns>>();

function kept<T extends SeriesForecasts | PredictRuns>(
  series: object | undefined,
  key: string,
  make: () => T,
): T {
  if (!series) return make();
  let made = bySeries.get(series);
  if (!made) {
    made = new Map();
    bySeries.set(series, made);
  }
  let found = made.get(key) as T | undefined;
  if (!found) {
    found = make();
    made.set(key, found);
  }
  return found;
}

/**
 * The predict runs of a target over a series: the kinds and rows that replay one trace with the same settings
 * share them, and every target on the series shares its forecasts (the series is only the key; a run reads
 * `load(j)` through its caller's view).
 */
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
  const read = [start, settings.lookbackMinutes, settings.stepMinutes];
  const forecasts = kept(series, JSON.stringify(read), () => new SeriesForecasts(settings, start, minutes));
  const p = settings.predictive;
  const key = JSON.stringify([
    ...read,
    p.horizonMinutes,
    p.capacityBufferPercent,
    p.maxBufferPercent,
    p.trustMaseRatio,
    p.seasonalFloor,
    rules.map((r) => [r.name, r.metric.periodSeconds]),
    refused,
    lead,
  ]);
  return kept(series, key, () => new PredictRuns(forecasts, p, rules, refused, lead));
}
