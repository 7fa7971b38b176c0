import { describe, expect, it } from 'vitest';
import { ScalingError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import type { MetricQuery } from '../../../shared/ports';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { InMemoryScheduledActions, SyntheticHistory } from '../../harness/predictPorts';
import { asgTarget, daily, policyWith, setUp, T0 } from './predictTargetsFixtures';

// AWS refuses a scheduled action whose StartTime is in the past ("If you try to schedule your action in the
// past, Amazon EC2 Auto Scaling returns an error message": PutScheduledUpdateGroupAction; in a batch, the
// action comes back in FailedScheduledUpdateGroupActions, `ValidationError: Given start time is in the past`).
// moto stores any start time and the emulator's clock stands still during a run, so the time a run takes is
// played here on the use case: the clock moves on while the history is read and while each call to the group
// is made, and the group refuses, as AWS does, an action that starts at or before the moment it is put.
// Defect: the first action was planned at the next whole minute after the run's start, read before every
// target's history, forecast and ledger writes: a run longer than the seconds left in that minute (many
// targets, a slow read) had its actions refused and failed, retried and dead-lettered every hour.

const MIN = 60_000;

/** The group's calls each take `callSeconds` of the clock; a start not after the moment of the put is refused. */
class RefusingPastStarts extends InMemoryScheduledActions {
  readonly refused: string[] = [];
  constructor(
    private readonly clock: { now(): Date; advance(seconds: number): void },
    private readonly callSeconds: number,
  ) {
    super();
  }
  override async group(name?: string) {
    this.clock.advance(this.callSeconds);
    return super.group(name);
  }
  override async scheduledActions() {
    this.clock.advance(this.callSeconds);
    return super.scheduledActions();
  }
  override async replace(
    group: string,
    put: readonly { name: string; start: Date; minSize: number }[],
    remove: readonly string[],
  ) {
    this.clock.advance(this.callSeconds); // the deletes
    this.clock.advance(this.callSeconds); // the put
    const now = this.clock.now().getTime();
    const past = put.filter((a) => a.start.getTime() <= now);
    await super.replace(
      group,
      put.filter((a) => a.start.getTime() > now),
      remove,
    );
    if (past.length > 0) {
      this.refused.push(...past.map((a) => a.name));
      throw new ScalingError(
        `could not put scheduled action(s) on ${group}: ${past.map((a) => `${a.name}: Given start time is in the past`).join('; ')}`,
      );
    }
  }
}

/** A history read that takes `seconds` of the clock (thousands of series, GetMetricData's 50 TPS). */
class SlowHistory extends SyntheticHistory {
  constructor(
    load: (t: number) => number,
    private readonly clock: { advance(seconds: number): void },
    private readonly seconds: number,
  ) {
    super(load);
  }
  override async history(queries: readonly MetricQuery[], start: Date, end: Date) {
    this.clock.advance(this.seconds);
    return super.history(queries, start, end);
  }
}

/** The api group in a plan (with its read replicas), no forecast of its own: predictPlans writes and mirrors its floors. */
function planMemberPolicy(): Policy {
  return validatePolicy({
    version: 1,
    targets: [
      { ...asgTarget, predictive: false },
      {
        name: 'events-db',
        kind: 'rds-replicas',
        sourceDbInstanceIdentifier: 'db',
        replicaInstanceClass: 'db.t4g.medium',
        capacity: { min: 1, max: 3 },
        rules: [{ ...asgTarget.rules[0], metric: { ...asgTarget.rules[0].metric, namespace: 'AWS/RDS' } }],
      },
    ],
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
    plans: [
      {
        name: 'rush',
        demand: {
          metric: {
            namespace: 'AWS/EC2',
            name: 'CPUUtilization',
            statistic: 'Average',
            dimensions: { AutoScalingGroupName: 'g' },
          },
        },
        members: [
          { target: 'api', unitsPerDemand: 0.1, leadTimeMinutes: 0 },
          { target: 'events-db', unitsPerDemand: 0.03 },
        ],
      },
    ],
  });
}

describe('predict: scheduled MinSize actions start after they are put, however long the run took', () => {
  it.each([
    {
      name: 'a history read of 90 s (a fleet of targets) before the group’s actions are put',
      policy: policyWith(),
      startAt: T0,
      readSeconds: 90,
      callSeconds: 0.2,
    },
    {
      // The actions are planned 0.2 s before a whole minute (after the group's two reads): the deletes and the
      // put that follow take 0.8 s, so only a start a minute ahead is still in the future when it is put.
      name: 'a run starting a second before a whole minute, each call to the group taking 0.4 s',
      policy: policyWith(),
      startAt: T0 + MIN - 1000,
      readSeconds: 0,
      callSeconds: 0.4,
    },
    {
      name: 'a plan member’s floors (no forecast of its own) after a history read of 90 s',
      policy: planMemberPolicy(),
      startAt: T0,
      readSeconds: 90,
      callSeconds: 0.2,
    },
  ])('$name', async ({ policy, startAt, readSeconds, callSeconds }) => {
    const { deps, clock } = setUp(policy);
    clock.advance((startAt - T0) / 1000);
    const groups = new RefusingPastStarts(clock, callSeconds);
    const run = { ...deps, groups, history: new SlowHistory(daily, clock, readSeconds) };
    const predictions = await predictTargets(run);
    expect(groups.refused).toEqual([]);
    const api = predictions.find((p) => p.decision.target === 'api');
    // The floors raise MinSize at once: the first action is the floor now, the first minute it can be.
    expect(api?.scheduledActions?.length).toBeGreaterThan(0);
    expect(groups.actions.size).toBe(api?.scheduledActions?.length);
  });
});
