// The scalers read the kill switch for each batch of 100 targets, and again before a batch's leased targets
// act. They read it once a run: a fleet run lasts longer than the switch's 30 s cache, so a pause made just
// after the read (found in review: 28 s before the run) let the run go on changing groups 68 s after it, past
// the one minute within which a pause stops every change.
import type { GetParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { SsmPauseSwitch } from '../../../shared/adapters/SsmPauseSwitch';
import type { CapacityState } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target } from '../../../shared/policy/schema';
import type { CapacityPort } from '../../../shared/ports';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepTargetInput, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryLedger } from '../../harness/inMemoryPorts';

const T0 = new Date('2026-11-22T12:00:30Z');

describe('a pause during a fleet run', () => {
  it('stops every change within a minute of it, though the run began on a read cached before it', async () => {
    const clock = testClock(new Date(T0.getTime() - 29_000));
    let value = 'false';
    // SSM stands in as a stub: the switch's cache (30 s) is what is under test, not the parameter store.
    const ssm = { send: async (_c: GetParameterCommand) => ({ Parameter: { Value: value } }) };
    const pause = new SsmPauseSwitch({ region: 'us-east-1' }, '/scalepilot/prod/paused', ssm as never);
    await pause.read(clock.now()); // the warm function's previous run read it
    clock.advance(1);
    value = 'true'; // `scalepilot pause`, 28 s before this run
    const pausedAt = clock.now().getTime();
    clock.advance(28);

    const policy = validatePolicy({
      version: 1,
      targets: Array.from({ length: 150 }, (_, i) =>
        seedStepTargetInput({ name: `g${i}`, autoScalingGroupName: `g${i}` }),
      ),
    });
    const desired = new Map<string, number>();
    const changedAt: number[] = [];
    const capacity: CapacityPort = {
      async describe(target: Target): Promise<CapacityState> {
        const d = desired.get(target.name) ?? 4;
        return { current: d, serving: d, liveMin: 0, liveMax: 100 };
      },
      async setCapacity(target: Target, to: number) {
        clock.advance(0.4); // a change and its ledger writes
        changedAt.push(clock.now().getTime());
        desired.set(target.name, to);
      },
    };
    const ledger = new InMemoryLedger();
    const leased: string[] = [];
    const acquire = ledger.acquireLease.bind(ledger);
    ledger.acquireLease = async (target, owner, now, seconds) => {
      leased.push(target);
      return acquire(target, owner, now, seconds);
    };
    const started = clock.now().getTime();
    const evaluations = await evaluateTargets(
      {
        policy,
        kind: 'asg',
        capacity,
        metrics: new FunctionMetrics(() => 85),
        ledger,
        notifier: { capacityChanged: async () => {} },
        clock,
        log: { info() {}, warn() {}, error() {} },
        owner: 'r1',
        pause,
        deadline: { remainingMs: () => 60_000 - (clock.now().getTime() - started) },
      },
      { trigger: 'schedule' },
    );
    const lastChange = Math.max(...changedAt);
    expect((lastChange - pausedAt) / 1000).toBeLessThanOrEqual(60);
    // The first batch acted on the cached read until its targets found the pause; the second batch found it
    // before it leased anything: recorded Paused without a lease.
    const reasons = new Set(evaluations.slice(100).map((e) => e.decision.reason));
    expect(reasons).toEqual(new Set(['Paused']));
    expect(leased.filter((name) => Number(name.slice(1)) >= 100)).toEqual([]);
  });
});
