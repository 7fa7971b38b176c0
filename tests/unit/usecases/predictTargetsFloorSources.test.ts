// What shapes predict's floors besides the forecast: known events, growth, the seasonal floor, walk-forward tuning.
import { describe, expect, it } from 'vitest';
import { floorAt } from '../../../shared/decision/floors';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { SyntheticHistory } from '../../harness/predictPorts';
import { asgTarget, DAY, daily, HOUR, MIN, need, policyWith, setUp, T0 } from './predictTargetsFixtures';

describe('predictTargets: known events and growth', () => {
  const rush = {
    name: 'ticket-rush',
    start: new Date(T0 + 40 * MIN).toISOString(),
    end: new Date(T0 + 70 * MIN).toISOString(),
  };

  it.each([
    { name: 'units: the floor for the window', demand: { units: 9 }, inside: 9 },
    { name: 'a multiplier: the forecast need times it', demand: { multiplier: 3 }, inside: 10 },
  ])(
    'an event raises the floor from its start less the warm-up to its end: $name',
    async ({ demand, inside }) => {
      const { deps, ledger } = setUp(policyWith({ events: [{ ...rush, demand }] }));
      await predictTargets(deps);
      const floors = (await ledger.read('api')).floors;
      const at = (minutes: number) => floorAt(floors, new Date(T0 + minutes * MIN))?.units;
      expect(at(36)).toBe(inside); // five minutes early: the warm-up
      expect(at(65)).toBe(inside);
      expect(at(30)).toBeLessThan(inside);
      expect(at(75)).toBeLessThan(inside);
    },
  );

  it('an event still raises the floor when the forecast is declined', async () => {
    const history = new SyntheticHistory(daily, () => 4, T0 - 3 * HOUR);
    const { deps, ledger } = setUp(policyWith({ events: [{ ...rush, demand: { units: 8 } }] }), history);
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastDeclined');
    expect(prediction?.decision.message).toContain('known events only with known event(s) ticket-rush');
    expect(floorAt((await ledger.read('api')).floors, new Date(T0 + 50 * MIN))?.units).toBe(8);
    expect(floorAt((await ledger.read('api')).floors, new Date(T0 + 10 * MIN))?.units ?? 0).toBe(0);
  });

  it('an event naming another target leaves this one alone', async () => {
    const other = { ...asgTarget, name: 'web', autoScalingGroupName: 'w' };
    const { deps, ledger } = setUp(
      policyWith({ events: [{ ...rush, demand: { units: 9 }, targets: ['web'] }] }, [asgTarget, other]),
    );
    await predictTargets(deps);
    expect(floorAt((await ledger.read('api')).floors, new Date(T0 + 50 * MIN))?.units).toBeLessThan(9);
    expect(floorAt((await ledger.read('web')).floors, new Date(T0 + 50 * MIN))?.units).toBe(9);
  });

  it('growth of 20% a month (the seeds) is followed: the floors cover the grown load', async () => {
    const growing = (t: number) => daily(t) * 1.2 ** ((t - (T0 - 14 * DAY)) / (30 * DAY));
    const { deps, ledger } = setUp(policyWith({ lookbackDays: 14 }), new SyntheticHistory(growing));
    const [prediction] = await predictTargets(deps);
    const floors = (await ledger.read('api')).floors;
    for (let t = T0; t < T0 + 2 * HOUR; t += 5 * MIN)
      expect(floorAt(floors, new Date(t))?.units).toBeGreaterThanOrEqual(Math.min(10, need(t, growing)));
    expect(prediction?.needed?.units.length).toBeGreaterThan(0);
  });
});

describe('predictTargets: the seasonal floor (predictive.seasonalFloor)', () => {
  // The daily load, and yesterday an extra 200 percent-units from 11:00 to 11:30: one day's peak, which the
  // forecast's medians over the days smooth away and yesterday-at-this-time keeps.
  const peakStart = T0 - DAY + 58 * MIN;
  const yesterdaysPeak = (t: number) => daily(t) + (t >= peakStart && t < peakStart + 30 * MIN ? 200 : 0);
  const floorsWith = async (seasonalFloor: ('day' | 'week')[]) => {
    const { deps, ledger } = setUp(policyWith({ seasonalFloor }), new SyntheticHistory(yesterdaysPeak));
    const [prediction] = await predictTargets(deps);
    const floors = (await ledger.read('api')).floors;
    return { prediction, at: (minutes: number) => floorAt(floors, new Date(T0 + minutes * MIN))?.units ?? 0 };
  };

  it.each([
    // The daily load at 11:12 is about 181: 181 × 1.3 ÷ 70 → 4 units; with yesterday's 200 more, 8.
    { name: "[] (the default): yesterday's peak is not planned for", seasonalFloor: [], least: 4, most: 5 },
    {
      name: "day: yesterday's peak, level-scaled, raises the floor",
      seasonalFloor: ['day'] as const,
      least: 8,
      most: 8,
    },
  ])('$name', async ({ seasonalFloor, least, most }) => {
    const { prediction, at } = await floorsWith([...seasonalFloor]);
    expect(at(70)).toBeGreaterThanOrEqual(least);
    expect(at(70)).toBeLessThanOrEqual(most);
    // Off the peak the floor is the forecast's either way.
    expect(at(150)).toBe((await floorsWith([])).at(150));
    expect(prediction?.decision.reason).toBe(seasonalFloor.length > 0 ? 'SeasonalFloor' : 'ForecastFloors');
  });

  it('the run names the seasonal floor in its message (the floors’ source a scaler quotes)', async () => {
    const { prediction } = await floorsWith(['day']);
    expect(prediction?.decision.message).toMatch(
      /seasonal floor \(day before, level-scaled\) above it at \d+ of/,
    );
  });
});

describe('predictTargets: walk-forward tuning of the floors', () => {
  async function hourly(runs: number, tuning: Record<string, unknown>) {
    const { deps, clock, ledger } = setUp(policyWith({ tuning, horizonMinutes: 60 }));
    const reasons: string[] = [];
    for (let h = 0; h < runs; h += 1) {
      if (h > 0) clock.advance(3600);
      const [p] = await predictTargets(deps);
      reasons.push(`${p?.decision.reason}: ${p?.decision.message}`);
    }
    return {
      reasons,
      track: await ledger.readForecastTrack('api'),
      floors: (await ledger.read('api')).floors,
    };
  }

  it('keeps each run’s forecast in the track, as far as its floors reach, for the window and the headroom’s 6 hours', async () => {
    const { track } = await hourly(3, { enabled: true });
    const runs = track?.runs?.cpu ?? [];
    expect(runs.map((r) => r.madeAt)).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    // Floors reach 2 hours (the next run and horizonMinutes 60) and the 5-minute warm-up beyond: 25 steps at most.
    expect(runs.every((r) => r.stepMinutes === 5 && r.point.length <= 26 && r.point.length >= 24)).toBe(true);
  });

  it.each([
    {
      name: 'an overload minute priced at nothing: after a day of runs the floors are off (FloorsNotWorthIt), the rules alone',
      tuning: { enabled: true, overloadMinuteCost: 0 },
      last: /^FloorsNotWorthIt: floors not worth it: no floors: \d+ unit-min and \d+ overload min over the last 2\d h/,
      floors: false,
    },
    {
      name: 'tuning off: floors every run, whatever they cost',
      tuning: { enabled: false, overloadMinuteCost: 0 },
      last: /^ForecastFloors: /,
      floors: true,
    },
  ])('$name', async ({ tuning, last, floors }) => {
    const { reasons, floors: written, track } = await hourly(27, tuning);
    // The runs are kept only while tuning is on (it alone reads them).
    expect(track?.runs !== undefined).toBe(tuning.enabled);
    // The first day's runs have too little past to tune on: the defaults, floors on.
    expect(reasons.slice(0, 20).every((r) => r.startsWith('ForecastFloors'))).toBe(true);
    expect(reasons.at(-1)).toMatch(last);
    expect(written !== undefined).toBe(floors);
  });
});
