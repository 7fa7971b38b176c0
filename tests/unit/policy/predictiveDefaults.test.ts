import { describe, expect, it } from 'vitest';
import { PREDICTIVE_DEFAULTS } from '../../../shared/policy/predictiveDefaults';
import { PredictiveSchema } from '../../../shared/policy/schema';

describe('PREDICTIVE_DEFAULTS', () => {
  it('is what the schema makes of an empty predictive section, key for key and in its order', () => {
    const parsed = PredictiveSchema.parse({});
    expect(PREDICTIVE_DEFAULTS).toStrictEqual(parsed);
    expect(JSON.stringify(PREDICTIVE_DEFAULTS)).toBe(JSON.stringify(parsed));
  });
});
