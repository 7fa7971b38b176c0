import { describe, expect, it } from 'vitest';
import { whyLines } from '../../../bin/lib/whyCommand';
import type { DecisionLogEntry } from '../../../shared/adapters/DynamoLedger';

// `scalepilot why` names what took each decision: the predict function's hourly record is not the one-minute
// schedule's (it saw no capacity; its current and desired are the floors it wrote).
const entry = (trigger: DecisionLogEntry['trigger'], alarmName?: string): DecisionLogEntry => ({
  target: 'api',
  kind: 'asg',
  current: 6,
  desired: 6,
  recommendation: 9,
  direction: 'none',
  reason: 'ForecastFloors',
  message: 'floors written',
  metrics: {},
  at: '2026-11-22T14:00:03.000Z',
  trigger,
  applied: true,
  dryRun: false,
  ...(alarmName ? { alarmName } : {}),
});

describe('why: what took the decision', () => {
  it.each([
    { name: 'the hourly predict run', trigger: 'forecast' as const, via: 'via the hourly forecast run' },
    { name: 'the one-minute schedule', trigger: 'schedule' as const, via: 'via the one-minute schedule' },
    { name: 'a plan', trigger: 'plan' as const, via: 'via the plan' },
    {
      name: 'an alarm, by its name',
      trigger: 'alarm' as const,
      alarm: 'api-cpu-high',
      via: 'via alarm api-cpu-high',
    },
  ])('$name', ({ trigger, alarm, via }) => {
    expect(whyLines(entry(trigger, alarm))[0]).toMatch(new RegExp(`  ${via}$`));
  });
});
