import { describe, expect, it } from 'vitest';
import { predictPreview } from '../../../bin/lib/predictCommand';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryScheduledActions, SyntheticHistory } from '../../harness/predictPorts';

// Review s51: `scalepilot predict`'s preview read every target's record as empty, so it showed a schedule for a
// group the function puts no raise on (the scaler refuses it for its own scaling policies: its record keeps their
// ARNs). It reads the ledger's record when given one now.

const DAY = 86_400_000;
const T0 = Date.parse('2026-12-01T10:02:00Z');
const policy = validatePolicy({
  version: 1,
  predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
  targets: [
    {
      name: 'api',
      kind: 'asg',
      autoScalingGroupName: 'g',
      capacity: { min: 2, max: 10 },
      predictive: true,
      rules: [
        {
          name: 'cpu',
          type: 'step',
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
          scaleOut: [{ above: 70, add: 2 }],
          scaleIn: [{ below: 30, remove: 1 }],
        },
      ],
    },
  ],
});

function preview(scalingPolicyArns?: string[]) {
  return predictPreview({
    policy,
    history: new SyntheticHistory((t) => 4 * (40 + 25 * Math.sin((2 * Math.PI * t) / DAY))),
    groups: new InMemoryScheduledActions(),
    ledger: {
      readForecastTrack: async () => undefined,
      readPlanMembers: async () => new Map(),
      read: async () => ({
        history: { recommendations: [], changes: [] },
        failures: 0,
        ...(scalingPolicyArns ? { scalingPolicyArns } : {}),
      }),
    },
    clock: testClock(new Date(T0)),
    log: capturedLog().sink,
  });
}

describe('scalepilot predict’s preview reads each target’s record', () => {
  it('a group the scaler refuses for its own scaling policies: no raise shown, and why', async () => {
    const [held] = await preview(['arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:p']);
    expect(held?.prediction.decision.message).toContain(
      "the scaler holds group g's scale-outs (its own scaling policies change its capacity (ScalingPolicyConflict))",
    );
    expect(held?.wouldSchedule).toBeUndefined();
  });

  it('a group it does not refuse: the schedule shown', async () => {
    const [free] = await preview();
    expect(free?.wouldSchedule?.length ?? 0).toBeGreaterThan(0);
  });
});
