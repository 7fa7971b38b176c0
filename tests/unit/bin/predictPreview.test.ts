import { describe, expect, it } from 'vitest';
import { predictPreview } from '../../../bin/lib/predictCommand';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryScheduledActions, SyntheticHistory } from '../../harness/predictPorts';
import { daily, policyWith, T0 } from '../usecases/predictScheduleFixtures';

// Review s51: `scalepilot predict`'s preview read every target's record as empty, so it showed a schedule for a
// group the function puts no raise on (the scaler refuses it for its own scaling policies: its record keeps their
// ARNs). It reads the ledger's record when given one now.

const policy = policyWith();

function preview(scalingPolicyArns?: string[]) {
  return predictPreview({
    policy,
    history: new SyntheticHistory(daily),
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
