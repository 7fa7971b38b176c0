import { describe, expect, it } from 'vitest';
import { defaultTarget } from '../../../shared/simulate/defaultTarget';
import { scenarioFor } from '../../../shared/simulate/engine';
import { scalepilotTarget } from '../../../shared/simulate/scalepilotTarget';

describe('defaultTarget', () => {
  it.each([
    { name: 'asg', s: scenarioFor([1, 2, 3], 'asg') },
    { name: 'rds-replicas', s: scenarioFor([1, 2, 3], 'rds-replicas') },
    { name: 'cache-shards', s: scenarioFor([1, 2, 3], 'cache-shards') },
    { name: 'a range of one, no delay', s: scenarioFor([5], 'asg', { min: 4, max: 4, delay: 0 }) },
    { name: 'a wide range, a long delay', s: scenarioFor([5], 'asg', { min: 1, max: 500, delay: 45 }) },
  ])('is scalepilotTarget as the schema validates it, key for key and in its order: $name', ({ s }) => {
    const validated = scalepilotTarget(s);
    expect(defaultTarget(s)).toStrictEqual(validated);
    expect(JSON.stringify(defaultTarget(s))).toBe(JSON.stringify(validated));
  });
});
