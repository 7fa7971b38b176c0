import { describe, expect, it } from 'vitest';
import { PredictiveSchema } from '../../../shared/policy/schema';
import { planForecaster } from '../../../shared/simulate/planForecaster';
import { floorSettingsFor } from '../../../shared/simulate/predictive';
import { rushPlan } from '../decision/plans/planFixtures';

const START = Date.parse('2026-12-01T00:00:00Z');
const DAYS = 4;

/**
 * Four days of demand a minute: the same daily cycle every day, with a deterministic wobble (so seasonal-naive,
 * yesterday's demand, is close but not exact).
 */
const demand: number[] = [];
for (let m = 0; m < DAYS * 1440; m += 1) {
  const day = 2000 - 1000 * Math.cos((2 * Math.PI * (m % 1440)) / 1440);
  demand.push(Math.round(day + 150 * Math.sin(m * 0.7) + 100 * Math.sin(m * 1.3)));
}

/** The minutes of the last day on which the plan's forecast gives the replicas a floor, and the last verdict. */
function floorsOnLastDay(trustMaseRatio: number) {
  const settings = floorSettingsFor(PredictiveSchema.parse({ trustMaseRatio }));
  const forecaster = planForecaster(settings, rushPlan(), demand.length, demand);
  let withFloor = 0;
  for (let m = 1; m < demand.length; m += 1) {
    const floors = forecaster.at(m, START + m * 60_000, (j) => demand[j] as number);
    if (m >= (DAYS - 1) * 1440 && floors.get('events-db') !== undefined) withFloor += 1;
  }
  return { withFloor, trusted: forecaster.trusted() };
}

describe('planForecaster: the plan’s demand forecast passes the trust gate, as predictPlans’ does', () => {
  // A forecast is trusted while its MASE is at most trustMaseRatio × seasonal-naive's: on a repeating day,
  // yesterday is nearly exact and the forecast no better, so a ratio of 0.5 distrusts it and 10 trusts it.
  it.each([
    { name: 'trusted (ratio 10): the floors stay on all day', ratio: 10, trusted: true, floors: 1440 },
    {
      name: 'untrusted (ratio 0.5): no floors, as ForecastUntrusted in predict',
      ratio: 0.5,
      trusted: false,
      floors: 0,
    },
  ])('$name', ({ ratio, trusted, floors }) => {
    const got = floorsOnLastDay(ratio);
    expect(got.trusted).toBe(trusted);
    expect(got.withFloor).toBe(floors);
  });
});

/** The API's floors summed over the last day, in instance-minutes, at this quantile and these predictive keys. */
function apiFloorMinutes(headroomQuantile: number, predictive: Record<string, unknown> = {}) {
  const settings = floorSettingsFor(PredictiveSchema.parse(predictive));
  const forecaster = planForecaster(settings, { ...rushPlan(), headroomQuantile }, demand.length, demand);
  let sum = 0;
  for (let m = 1; m < demand.length; m += 1) {
    const units = forecaster.at(m, START + m * 60_000, (j) => demand[j] as number).get('api')?.units ?? 0;
    if (m >= (DAYS - 1) * 1440) sum += units;
  }
  return sum;
}

describe('planForecaster: the plan’s floors plan for its headroomQuantile of actual ÷ forecast', () => {
  // The wobble puts each minute up to 250 requests off a forecast of the day's curve: the median minute needs
  // little headroom, the 95th percentile more, and the floors follow the quantile.
  it.each([
    { name: 'the median: lower floors than the default 0.95', lower: 0.5, higher: 0.95 },
    { name: '0.8: lower floors than 0.99', lower: 0.8, higher: 0.99 },
  ])('$name', ({ lower, higher }) => {
    expect(apiFloorMinutes(lower)).toBeLessThan(apiFloorMinutes(higher));
  });
});

describe('planForecaster: the policy’s limits on a floor’s headroom hold for the plan’s floors, as in predict', () => {
  // The 99th percentile of actual ÷ forecast is well above 1 here (the wobble at night is a large share of a
  // small demand); either limit at 0 leaves the forecast alone, lower floors than no limit at all.
  it.each([
    { name: 'maxBufferPercent 0', limited: { maxBufferPercent: 0 } },
    { name: 'maxBufferOfMeanPercent 0', limited: { maxBufferOfMeanPercent: 0 } },
  ])('$name: lower floors than with neither limit', ({ limited }) => {
    const none = { maxBufferPercent: null, maxBufferOfMeanPercent: null };
    expect(apiFloorMinutes(0.99, { ...none, ...limited })).toBeLessThan(apiFloorMinutes(0.99, none));
  });
});
