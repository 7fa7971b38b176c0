import type { GridSeries } from './gridSeries';
import { type Periods, READ_DAYS, type SeasonalModel } from './seasonalModels';

/**
 * The damped trend. Each seasonal model is scaled to the last two hours' load against what its base expected
 * for them, from values the same whole periods back: for the steps its base reads as far back (the day model's
 * next day, the week model's next week), that ratio already carries the growth. What it misses is the growth
 * over the periods its base skips further ahead (the day model's second day reads a day further back: 0.6% at
 * the seeds' 20% a month) and, for the flat level model, all the growth after the recent window. The growth is
 * measured week over week, pairing each day of the last week with the same day a week earlier (so the weekly
 * and daily cycles cancel), and added damped: a week's slope says less about the second day ahead than the first.
 */

/** Per-day damping factor φ: the trend's increment on day d ahead is φ^d of the first day's. */
export const TREND_DAMPING_PER_DAY = 0.8;
/** Days of pairs needed to measure growth: a few days' mood is not a trend. */
const MIN_PAIRED_DAYS = 3;
/** A day's pair counts when at least half of its steps were observed in both weeks. */
const MIN_PAIRED_SHARE = 0.5;
/**
 * Growth held within ±25% a week (about 3% a day): beyond, the week-over-week change is a level shift (a
 * release, an outage), which the two-hour level already follows, not a trend to extrapolate.
 */
const MAX_WEEKLY_LOG_GROWTH = Math.log(1.25);

/**
 * The load's growth as a log rate per step, from the days of the week before o, each paired with the same
 * day a week earlier (within the 14 days a model reads): the median of the days' log ratios, when every
 * paired day moved the same way. A level shift in mid-week, or a noisy load whose days go either way, has no
 * trend (0); so has under 3 days of pairs, or a day whose sum is not positive.
 */
export function weeklyGrowthRate(series: GridSeries, p: Periods, o: number): number {
  const y = series.values;
  const floor = Math.max(0, o - READ_DAYS * p.day);
  const ratios: number[] = [];
  for (let d = 1; d <= 7; d += 1) {
    const from = o - d * p.day;
    if (from - p.week < floor) break;
    let now = 0;
    let before = 0;
    let pairs = 0;
    for (let t = from; t < from + p.day; t += 1) {
      const a = y[t] as number;
      const b = y[t - p.week] as number;
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      now += a;
      before += b;
      pairs += 1;
    }
    if (pairs < MIN_PAIRED_SHARE * p.day) continue;
    if (!(now > 0) || !(before > 0)) return 0;
    ratios.push(Math.log(now / before));
  }
  if (ratios.length < MIN_PAIRED_DAYS) return 0;
  if (!(ratios.every((r) => r > 0) || ratios.every((r) => r < 0))) return 0;
  ratios.sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const median =
    ratios.length % 2 === 1
      ? (ratios[mid] as number)
      : ((ratios[mid - 1] as number) + (ratios[mid] as number)) / 2;
  return Math.max(-MAX_WEEKLY_LOG_GROWTH, Math.min(MAX_WEEKLY_LOG_GROWTH, median)) / p.week;
}

/**
 * A model's trend multipliers for steps o .. o + horizon − 1 of a load growing at `rate` (log per step): the
 * growth over the lag its scaling missed (`unscaledLag`): the past part in full, the part ahead damped (L steps
 * ahead count Σ_{i=1..L} φ^i, φ the per-step damping, TREND_DAMPING_PER_DAY a day). Undefined without growth.
 */
export function trendMultipliers(
  rate: number,
  model: Pick<SeasonalModel, 'unscaledLag'>,
  o: number,
  horizon: number,
  p: Periods,
): Float64Array | undefined {
  if (rate === 0) return undefined;
  const phi = TREND_DAMPING_PER_DAY ** (1 / p.day);
  const out = new Float64Array(horizon);
  // The lag asked once per origin (not an object per step), and a multiplier made at each period's first step
  // (where `ahead`, whole periods, is h): the steps of a period share it.
  const { period, past } = model.unscaledLag(o);
  let multiplier = Number.NaN;
  for (let h = 0; h < horizon; h += 1) {
    if (h % period === 0) multiplier = Math.exp(rate * (past + (phi * (1 - phi ** h)) / (1 - phi)));
    out[h] = multiplier;
  }
  return out;
}

/**
 * `trendMultipliers` of each model, made once per lag: the adjustments of one base share its `unscaledLag`, so
 * they share its multipliers (one array, read only).
 */
export function trendMultipliersOf(
  rate: number,
  models: readonly Pick<SeasonalModel, 'unscaledLag'>[],
  o: number,
  horizon: number,
  p: Periods,
): (Float64Array | undefined)[] {
  if (rate === 0) return models.map(() => undefined);
  const byLag = new Map<SeasonalModel['unscaledLag'], Float64Array | undefined>();
  return models.map((model) => {
    if (!byLag.has(model.unscaledLag))
      byLag.set(model.unscaledLag, trendMultipliers(rate, model, o, horizon, p));
    return byLag.get(model.unscaledLag);
  });
}
