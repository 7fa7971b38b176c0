import { KEPT_STEPS, seasonalNaiveScale, type TrackedForecast } from '../decision/forecastTrust';
import type { LoadForecast, LoadHistory } from '../forecast/types';

/**
 * What a forecast is scored on by the next runs (a target's rule or a plan's demand): its point forecast over
 * the floors' span, with its MASE scale.
 */
export function trackedForecast(
  name: string,
  forecast: Pick<LoadForecast, 'start' | 'stepMinutes' | 'point'>,
  history: LoadHistory | undefined,
  steps: number,
): TrackedForecast {
  return {
    rule: name,
    start: forecast.start,
    stepMinutes: forecast.stepMinutes,
    point: forecast.point.slice(0, Math.min(KEPT_STEPS, steps)),
    scale: history ? seasonalNaiveScale(history) : 1,
  };
}
