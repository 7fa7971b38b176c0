import { describe, expect, it } from 'vitest';
import { PredictiveSchema } from '../../../shared/policy/schema';
import { FLOOR_DEFAULTS, FLOOR_GRID } from '../../../shared/tune/reactiveKnobs';

// The predictive defaults are chosen leave-one-trace-out from FLOOR_GRID by `npm run bench` (issue 22); the
// trust gate's threshold is a schema default too, so what an operator gets is what the bench chose.
describe('the floors’ defaults', () => {
  it('are a candidate of the grid the bench chooses from', () => {
    expect(FLOOR_GRID).toContainEqual(FLOOR_DEFAULTS);
  });

  it('set the schema’s trustMaseRatio default', () => {
    expect(PredictiveSchema.parse({}).trustMaseRatio).toBe(FLOOR_DEFAULTS.trustMaseRatio);
  });

  it('set the schema’s maxBufferPercent default', () => {
    expect(PredictiveSchema.parse({}).maxBufferPercent).toBe(FLOOR_DEFAULTS.maxBufferPercent);
  });

  it('set the schema’s maxBufferOfMeanPercent default', () => {
    expect(PredictiveSchema.parse({}).maxBufferOfMeanPercent).toBe(FLOOR_DEFAULTS.maxBufferOfMeanPercent);
  });

  it('set the schema’s seasonalFloor default', () => {
    expect(PredictiveSchema.parse({}).seasonalFloor).toEqual(FLOOR_DEFAULTS.seasonalFloor);
  });
});
