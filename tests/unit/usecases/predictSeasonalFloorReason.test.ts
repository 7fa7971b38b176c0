import { describe, expect, it } from 'vitest';
import type { PolicyInput } from '../../../shared/policy/schema';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { SyntheticHistory } from '../../harness/predictPorts';
import { DAY, daily, MIN, policyWith, setUp, T0 } from './predictTargetsFixtures';

// The SeasonalFloor reason code (issue 22): a predict run whose floors the seasonal floor raised says so.

/** The daily load, and yesterday 200 percent-units more from 11:00 to 11:30: a peak the forecast's medians smooth away. */
const peakStart = T0 - DAY + 58 * MIN;
const yesterdaysPeak = (t: number) => daily(t) + (t >= peakStart && t < peakStart + 30 * MIN ? 200 : 0);

async function predictWith(predictive: PolicyInput['predictive'], load: (t: number) => number) {
  const { deps } = setUp(policyWith(predictive), new SyntheticHistory(load));
  const [prediction] = await predictTargets(deps);
  if (!prediction) throw new Error('no prediction');
  return prediction.decision;
}

describe('predictTargets: the SeasonalFloor reason code', () => {
  it.each([
    {
      name: 'no seasonal floor: ForecastFloors',
      seasonalFloor: [],
      load: yesterdaysPeak,
      reason: 'ForecastFloors',
    },
    {
      name: "yesterday's peak raises the floors: SeasonalFloor",
      seasonalFloor: ['day'] as const,
      load: yesterdaysPeak,
      reason: 'SeasonalFloor',
    },
    {
      name: 'forecast-only: published, nothing written, whatever the seasonal floor did',
      seasonalFloor: ['day'] as const,
      load: yesterdaysPeak,
      mode: 'forecast-only' as const,
      reason: 'ForecastOnly',
    },
  ])('$name', async ({ seasonalFloor, load, reason, mode }) => {
    const decision = await predictWith(
      { seasonalFloor: [...seasonalFloor], ...(mode ? { mode } : {}) },
      load,
    );
    expect(decision.reason).toBe(reason);
  });

  it('says at how many steps it raised the need, and the peak with and without it', async () => {
    const decision = await predictWith({ seasonalFloor: ['day'] }, yesterdaysPeak);
    const lift = decision.message.match(
      /the seasonal floor raised the need at (\d+) of (\d+) steps \(peak (\d+), the forecast alone (\d+)\)/,
    );
    expect(lift).not.toBeNull();
    const [, raised, steps, peak, alone] = (lift ?? []).map(Number);
    expect(raised).toBeGreaterThan(0);
    expect(raised).toBeLessThan(steps as number);
    expect(peak).toBeGreaterThan(alone as number);
  });

  it('a seasonal floor that never rises above the forecast leaves the reason ForecastFloors', async () => {
    // A week back reads before the three days of history: no value, so nothing is raised.
    const decision = await predictWith({ seasonalFloor: ['week'] }, yesterdaysPeak);
    expect(decision.reason).toBe('ForecastFloors');
    expect(decision.message).not.toMatch(/seasonal floor raised/);
  });
});
