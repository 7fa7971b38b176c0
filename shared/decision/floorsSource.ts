import type { PredictiveEvent } from '../policy/schema';
import { MIN_CALIBRATION_MINUTES } from './floorSizing';
import { eventsNear, type NeededCapacity } from './forecastFloors';
import { hundredths } from './ruleRecommendation';

/** One rule's part of the floors: its headroom, whether it was measured, and its name. */
export interface SourceRule {
  readonly name: string;
  readonly headroom: number;
  /** False while under MIN_CALIBRATION_MINUTES of forecasts were scored: the policy's capacityBufferPercent. */
  readonly measured: boolean;
}

/**
 * What made a run's floors, in the words predict writes with them and a scaler's message quotes: each rule's
 * forecast with its headroom and where that came from, the known events near, and the forecast's own message;
 * `known events only` when no forecast is in force. The predict function and the backtest both write it here.
 * `needed` (predict's whole horizon) adds where `maxBufferOfMeanPercent` held a rule's extra load; the
 * backtest, which sizes only the floors read before its next run, passes none.
 */
export function floorsSource(input: {
  readonly forecast: { readonly message: string } | undefined;
  readonly rules: readonly SourceRule[];
  readonly events: readonly PredictiveEvent[];
  readonly start: Date;
  readonly until: Date;
  readonly needed?: NeededCapacity;
}): string {
  const { forecast, rules, needed } = input;
  const near = eventsNear(input.events, input.start, input.until);
  const withEvents = near.length > 0 ? ` with known event(s) ${near.join(', ')}` : '';
  if (!forecast) return `known events only${withEvents}`;
  const parts = rules.map(({ name, headroom, measured }) => {
    const from = measured
      ? 'measured'
      : `capacityBufferPercent: under ${MIN_CALIBRATION_MINUTES / 60} h of forecasts scored`;
    const held = needed?.bufferLimited?.find((l) => l.rule === name);
    const limit = held
      ? `; its extra load held to ${hundredths(held.atMost)}, ${held.percentOfMean}% of the forecast's mean (maxBufferOfMeanPercent), at ${held.steps} of ${needed?.units.length} steps`
      : '';
    return `${name} (headroom ×${headroom.toFixed(2)}, ${from}${limit})`;
  });
  return `forecast of ${parts.join(', ')}${withEvents}: ${forecast.message}`;
}
