import type { PredictivePolicy } from './schema';

/**
 * The policy's `predictive` section with every key at its default, as `PredictiveSchema.parse({})` returns it (a
 * test holds them equal, tests/unit/policy/predictiveDefaults.test.ts). Written out so that a backtest without a
 * policy file runs without the schemas: loading zod and building them was about 35 ms of its start.
 */
export const PREDICTIVE_DEFAULTS: PredictivePolicy = {
  enabled: false,
  lookbackDays: 32,
  horizonMinutes: 48 * 60 - 60,
  capacityBufferPercent: 30,
  maxBufferPercent: 300,
  maxBufferOfMeanPercent: 150,
  mode: 'forecast-only',
  trustMaseRatio: 2,
  seasonalFloor: [],
  provisioningMinutes: { 'rds-replicas': 15, 'cache-shards': 10 },
  events: [],
  tuning: {
    enabled: false,
    windowHours: 48,
    headroomQuantile: { min: 0.8, max: 0.99 },
    holdMinutes: { min: 0, max: 60 },
    allowReactiveOnly: true,
    overloadMinuteCost: 1000,
  },
};
