import { ScalingError } from '../errors';
import type { BandCalibration } from './predictionBand';

/** A metric's history as CloudWatch or a trace gives it: timestamps (epoch ms, strictly increasing) and values. */
export interface LoadHistory {
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface ForecastOptions {
  /** How far ahead, in minutes (default 2880: 48 hours). */
  readonly horizonMinutes?: number;
  /** The upper quantile's level, in (0.5, 1) (default 0.9). */
  readonly quantile?: number;
  /** The data's step in minutes; inferred from the timestamps when absent (see `inferStepMinutes`). */
  readonly stepMinutes?: number;
  /** The damped trend (default on); off, the forecast holds the recent level (the bench's ablation). */
  readonly dampedTrend?: boolean;
  /** The upper quantile (default on); off, `upper` is empty (see `createForecaster`). */
  readonly band?: boolean;
  /** How the band is calibrated (default: DEFAULT_BAND_CALIBRATION, chosen leave-one-out; the bench's grid). */
  readonly bandCalibration?: BandCalibration;
  /** The fading models' half-life in minutes (default 720, DEFAULT_FADE_HALF_LIFE_MINUTES; 0: none; the bench's leave-one-out grid). */
  readonly fadeHalfLifeMinutes?: number;
}

/** One model the forecast blends, with its weight and its error on the history's own recent days. */
export interface ForecastComponent {
  readonly name: string;
  readonly weight: number;
  /** Mean absolute error of its 24-hour-ahead forecasts from origins inside the history (NaN: not tested). */
  readonly inSampleMae: number;
}

/** A forecast at the data's own step: `point[i]` and `upper[i]` are for `start + i × stepMinutes`. */
export interface LoadForecast {
  readonly status: 'forecast';
  readonly stepMinutes: number;
  /** Epoch ms of the first forecast step: one step after the newest datapoint. */
  readonly start: number;
  /** The median-like point forecast, one value per step. */
  readonly point: readonly number[];
  /**
   * The upper quantile per step (≥ point): load should stay below it `quantile` of the time. Empty from a
   * forecaster made without its band (`createForecaster({ band: false })`).
   */
  readonly upper: readonly number[];
  /** The lower quantile per step (≤ point), at 1 − `quantile`: with `upper`, the band the reports draw (p10–p90). */
  readonly lower?: readonly number[];
  readonly quantile: number;
  /** History the forecast's figures are over, from its first to its last step inclusive, in minutes (at most 14 days). */
  readonly historyMinutes: number;
  /** Share of the history's steps with no datapoint. */
  readonly missingFraction: number;
  readonly components: readonly ForecastComponent[];
  /** The growth the damped trend extrapolates, per day at its start (0.006: +0.6% a day; 0: none). */
  readonly growthPerDay?: number;
  readonly message: string;
}

/** Why no forecast was made; the caller stays reactive and records it. */
export const forecastDeclineReasons = ['InsufficientHistory', 'TooManyGaps', 'UnsupportedStep'] as const;
export type ForecastDeclineReason = (typeof forecastDeclineReasons)[number];

export interface ForecastDeclined {
  readonly status: 'declined';
  readonly reason: ForecastDeclineReason;
  readonly message: string;
  readonly historyMinutes: number;
  readonly stepMinutes?: number;
}

export type ForecastResult = LoadForecast | ForecastDeclined;

/** A history the forecaster cannot read at all (a caller's bug, not a data condition): names what and where. */
export class ForecastInputError extends ScalingError {}

/** Epoch ms of forecast step i. */
export const forecastTime = (f: Pick<LoadForecast, 'start' | 'stepMinutes'>, i: number): number =>
  f.start + i * f.stepMinutes * 60_000;
