import {
  type eventsFor,
  forecastHorizonMinutes,
  historyPeriodSeconds,
  type NeededCapacity,
  neededCapacity,
  type RuleForecast,
  STALE_HISTORY_MINUTES,
  unforecastable,
} from '../decision/forecastFloors';
import { historyLookup, withSeasonalFloor } from '../decision/seasonalFloor';
import { forecastLoad } from '../forecast/forecastLoad';
import type { LoadHistory } from '../forecast/types';
import type { PredictivePolicy, Rule, Target } from '../policy/schema';

const MINUTE = 60_000;

/** What predict made of a target's rules: their forecasts, or why it plans on none. */
export type ForecastOutcome =
  | {
      readonly status: 'forecast';
      readonly forecasts: RuleForecast[];
      /** The forecasts before the seasonal floor raised them (only when it raised one). */
      readonly unseasoned?: RuleForecast[];
    }
  | {
      readonly status: 'declined' | 'untrusted' | 'not-worth-it';
      readonly forecasts: RuleForecast[];
      readonly why: string;
    };

/** Every forecastable rule's forecast, far enough ahead for the floors and their lead; or why there is none. */
export function forecastAll(
  target: Target,
  histories: Record<string, LoadHistory>,
  lead: number,
  now: Date,
  until: Date,
  verdict: { trusted: boolean; message: string },
  headroom: (rule: Rule) => number,
  predictive: PredictivePolicy,
): ForecastOutcome {
  const refused = target.rules.map(unforecastable).filter((r): r is string => r !== undefined);
  const rules = target.rules.filter((r) => unforecastable(r) === undefined);
  if (rules.length === 0)
    return { status: 'declined', forecasts: [], why: `no rule to forecast: ${refused.join('; ')}` };
  const forecasts: RuleForecast[] = [];
  const unseasoned: RuleForecast[] = [];
  for (const rule of rules) {
    const history = histories[rule.name] ?? { times: [], values: [] };
    const newest = history.times.at(-1) ?? until.getTime();
    // A metric that stopped reporting says nothing about the next hours (a forecast from it would be stale).
    if (history.times.length > 0 && newest < now.getTime() - STALE_HISTORY_MINUTES * MINUTE)
      return {
        status: 'declined',
        forecasts: [],
        why: `rule ${rule.name}: no datapoint since ${new Date(newest).toISOString()}, over ${STALE_HISTORY_MINUTES / 60} h ago: reactive only`,
      };
    const result = forecastLoad(history, {
      horizonMinutes: forecastHorizonMinutes(newest, until, lead),
      stepMinutes: historyPeriodSeconds(rule) / 60,
    });
    if (result.status === 'declined')
      return {
        status: 'declined',
        forecasts: [],
        why: `rule ${rule.name}: ${result.reason}: ${result.message}`,
      };
    // The seasonal floor from the same history (a day or a week before, level-scaled; seasonalFloor.ts).
    const forecast = withSeasonalFloor(result, historyLookup(history), predictive.seasonalFloor);
    forecasts.push({ rule, forecast, headroom: headroom(rule) });
    unseasoned.push({ rule, forecast: result, headroom: headroom(rule) });
  }
  if (!verdict.trusted)
    return { status: 'untrusted', forecasts, why: `forecast untrusted: ${verdict.message}` };
  const raised = forecasts.some((f, i) => f.forecast !== unseasoned[i]?.forecast);
  return { status: 'forecast', forecasts, ...(raised ? { unseasoned } : {}) };
}

/**
 * What the seasonal floor added to the capacity needed (issue 22): a clause for the decision's message when it
 * raised the need at some step over the forecast's alone, else undefined (the floors are the forecast's).
 */
export function seasonalLift(
  outcome: ForecastOutcome,
  needed: NeededCapacity,
  events: ReturnType<typeof eventsFor>,
  until: Date,
  maxBufferOfMeanPercent: number | null,
): string | undefined {
  if (outcome.status !== 'forecast' || !outcome.unseasoned) return undefined;
  const alone = neededCapacity(outcome.unseasoned, events, until, maxBufferOfMeanPercent).units;
  const lifted = needed.units.filter((units, i) => units > (alone[i] ?? 0)).length;
  if (lifted === 0) return undefined;
  return `; the seasonal floor raised the need at ${lifted} of ${needed.units.length} steps (peak ${Math.max(0, ...needed.units)}, the forecast alone ${Math.max(0, ...alone)})`;
}
