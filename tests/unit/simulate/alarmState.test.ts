import { describe, expect, it } from 'vitest';
import { alarmState } from '../../../shared/simulate/alarmState';

const high = {
  comparison: 'GreaterThanThreshold',
  threshold: 70,
  evaluationPeriods: 3,
  treatMissingData: 'missing',
} as const;
const low = {
  comparison: 'LessThanThreshold',
  threshold: 30,
  evaluationPeriods: 3,
  treatMissingData: 'notBreaching',
} as const;

describe('alarmState: CloudWatch evaluation of a generated alarm', () => {
  it.each([
    { name: 'all three periods above: ALARM', alarm: high, periods: [71, 80, 99], state: 'ALARM' },
    { name: 'exactly at the threshold is not above', alarm: high, periods: [70, 80, 99], state: 'OK' },
    { name: 'one period below breaks the run', alarm: high, periods: [90, 50, 90], state: 'OK' },
    { name: 'only the last N periods count', alarm: high, periods: [10, 71, 72, 73], state: 'ALARM' },
    {
      name: 'missing: gaps ignored, present ones breach',
      alarm: high,
      periods: [undefined, 80, 90],
      state: 'ALARM',
    },
    {
      name: 'missing: no data at all',
      alarm: high,
      periods: [undefined, undefined, undefined],
      state: 'INSUFFICIENT_DATA',
    },
    { name: 'fewer periods than N cannot alarm', alarm: high, periods: [90, 90], state: 'OK' },
    { name: 'scale-in alarm: all below', alarm: low, periods: [10, 20, 29], state: 'ALARM' },
    { name: 'notBreaching: a gap counts as good', alarm: low, periods: [10, undefined, 20], state: 'OK' },
    {
      name: 'notBreaching: no data is OK, never ALARM',
      alarm: low,
      periods: [undefined, undefined, undefined],
      state: 'OK',
    },
  ] as const)('$name', ({ alarm, periods, state }) => {
    expect(alarmState(alarm, periods).state).toBe(state);
  });

  it('says why, with the datapoints and the threshold', () => {
    expect(alarmState(high, [71, 80.123, 99]).reason).toBe(
      'Threshold Crossed: 3 datapoint(s) [71, 80.12, 99] > 70',
    );
  });
});
