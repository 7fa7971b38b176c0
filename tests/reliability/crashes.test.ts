import { setTimeout as sleep } from 'node:timers/promises';
import type { JSONValue } from '@aws-lambda-powertools/commons/types';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { LeaseLostError } from '../../shared/errors';
import { createScalerHandler, type ScalerRuntime } from '../../shared/lambda/createScalerHandler';
import type { CapacityPort } from '../../shared/ports';
import { evaluateTargets } from '../../shared/usecases/evaluateTargets';
import { type CrashPoint, crashingLedger, processLife } from '../harness/awsBehaviour/crashingProcess';
import { alarmActionEvent, asgScalerOnEmulator, seedStepPolicy, testClock } from '../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../harness/inMemoryPorts';
import { useEmulator } from '../harness/useEmulator';
import { recordFigures } from './figures';

// Issue 15, item 4: the function killed at each point of the write-ahead sequence. A crash is a process
// that stops: from the crash on, every port of that invocation fails without writing (no lease release,
// no record, no idempotency update), as if the process had died there. The next evaluation runs in a
// fresh runtime, a tick a minute, against the state the crash left in moto's DynamoDB and group.

const LEASE_SECONDS = 60;
const TICK_SECONDS = 60;
/** The crashed invocation's remaining time: Powertools' in-progress record expires with it. */
const CRASHED_REMAINING_MS = 2_000;

/** The runtime with each port cut at `point`: the call there goes through (or not), then the process is dead. */
function crashing(runtime: ScalerRuntime, point: CrashPoint) {
  const life = processLife(point);
  const { alive, die } = life;
  const cut = crashingLedger(runtime.ledger, point, life);
  const capacity = runtime.capacity as CapacityPort;
  const group: CapacityPort = {
    describe: async (target) => {
      alive();
      return capacity.describe(target);
    },
    setCapacity: async (...args) => {
      alive();
      await capacity.setCapacity(...args);
      if (point === 'after the AWS call') die();
    },
  };
  class Store extends DynamoDBPersistenceLayer {
    override async saveSuccess(data: JSONValue, result: JSONValue) {
      alive();
      return super.saveSuccess(data, result);
    }
    override async deleteRecord(data: JSONValue) {
      alive();
      return super.deleteRecord(data);
    }
  }
  return {
    ...runtime,
    ledger: cut,
    capacity: group,
    notifier: {
      capacityChanged: async (notice: Parameters<ScalerRuntime['notifier']['capacityChanged']>[0]) => {
        alive();
        return runtime.notifier.capacityChanged(notice);
      },
    },
    idempotencyStore: new Store({
      tableName: 'ledger',
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: 'IDEMPOTENCY#asg',
      expiryAttr: 'ttl',
      clientConfig: clientOptions(emulatorAws()),
    }),
  } satisfies ScalerRuntime;
}

const emulator = useEmulator();
const emulatorAws = () => emulator.aws;

const tick = (at: Date) => ({
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: at.toISOString(),
});
const context = (id: string, remaining = 60_000) => ({
  awsRequestId: id,
  getRemainingTimeInMillis: () => remaining,
});

describe('crashes in the write-ahead sequence', () => {
  it.each<{ point: CrashPoint; recovery: string }>([
    { point: 'after taking the lease', recovery: 'ScaleOut' },
    { point: 'after writing the intent', recovery: 'IntentReconciled' },
    { point: 'after the AWS call', recovery: 'IntentReconciled' },
    { point: 'before recording', recovery: 'IntentReconciled' },
    { point: 'after recording, lease not released', recovery: 'InstancesWarming' },
  ])(
    'killed $point: the next evaluation finishes or reconciles within the lease plus one tick; the group changed once; no lease, intent or idempotency record stuck',
    async ({ point, recovery }) => {
      const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
      const clock = testClock(start);
      const { runtime, account } = await asgScalerOnEmulator(emulator, seedStepPolicy(), clock);
      await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
      const hot = () =>
        account.putMetric(
          { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } },
          95,
          new Date(clock.now().getTime() - 60_000),
        );
      await hot();
      const event = alarmActionEvent('scalepilot-test.api.cpu.gt70', 'ALARM', start);
      const crashedAt = Date.now();
      await expect(
        createScalerHandler(crashing(runtime, point))(
          structuredClone(event),
          context('crashed', CRASHED_REMAINING_MS),
        ),
      ).rejects.toThrow();

      // A fresh runtime (the next Lambda), one tick a minute, until a tick does more than meet the lease.
      const next = createScalerHandler(runtime);
      const ticks: string[] = [];
      let recoveredAfter: number | undefined;
      for (let n = 1; n <= 3 && recoveredAfter === undefined; n += 1) {
        clock.advance(TICK_SECONDS);
        await hot();
        const outcome = await next(tick(clock.now()), context(`tick-${n}`));
        const reasons = outcome.map((e) => e.decision.reason);
        ticks.push(`+${n * TICK_SECONDS} s: ${reasons.join(', ')}`);
        if (!reasons.includes('LeaseHeld')) recoveredAfter = n * TICK_SECONDS;
      }
      expect(recoveredAfter, ticks.join('; ')).toBeDefined();
      expect(recoveredAfter as number).toBeLessThanOrEqual(LEASE_SECONDS + TICK_SECONDS);
      expect(ticks.at(-1)).toContain(recovery);
      expect(emulator.calls('SetDesiredCapacity')).toBe(1);

      // Lambda retries the crashed event: Powertools' in-progress record has expired with the crashed
      // invocation's time, so the retry is evaluated (not refused as in progress for ever), and changes nothing.
      await sleep(Math.max(0, crashedAt + CRASHED_REMAINING_MS + 200 - Date.now()));
      clock.advance(10);
      const [retried] = await next(structuredClone(event), context('retry'));
      expect(retried?.decision.reason).not.toBe('DuplicateEvent');
      expect(emulator.calls('SetDesiredCapacity')).toBe(1);

      // The ledger agrees with the group: one applied change 2 → 4; no intent; no lease; idempotency complete.
      const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
      const logged = await ledger.decisions('api');
      const applied = logged.filter((d) => d.applied && d.desired !== d.current);
      expect(applied.map((d) => `${d.reason} ${d.current}→${d.desired}`)).toEqual([
        `${point === 'after the AWS call' || point === 'before recording' ? 'IntentReconciled' : 'ScaleOut'} 2→4`,
      ]);
      const items =
        (
          await new DynamoDBClient(clientOptions(emulator.aws)).send(new ScanCommand({ TableName: 'ledger' }))
        ).Items?.map((i) => unmarshall(i)) ?? [];
      const state = items.find((i) => i.sk === 'STATE');
      expect(state?.intent).toBeUndefined();
      expect(state?.leaseOwner).toBeUndefined();
      const idempotency = items.filter((i) => String(i.pk).startsWith('IDEMPOTENCY#'));
      expect(idempotency.map((i) => i.status)).toEqual(['COMPLETED']);

      recordFigures('crashes', `killed ${point}`, {
        'recovered after (bound: lease 60 s + one tick 60 s)': `${recoveredAfter} s`,
        'ticks after the crash': ticks.join('; '),
        'Lambda retry of the crashed event': `${retried?.decision.reason} (not refused as in progress)`,
        'SetDesiredCapacity calls in all': emulator.calls('SetDesiredCapacity'),
        'changes in the ledger': applied.map((d) => `${d.reason} ${d.current}→${d.desired}`).join(', '),
        'intents, leases or in-progress idempotency records left': 0,
      });
    },
  );
});

describe('a lease lost while a failure is recorded', () => {
  it('is a LeaseHeld outcome, not a failed run with an unhandled rejection (defect: `return failed(...)` inside try/finally)', async () => {
    class TakenOver extends InMemoryLedger {
      override async record(...args: Parameters<InMemoryLedger['record']>) {
        const [decision, , update] = args;
        if (update?.lease) throw new LeaseLostError(decision.target, update.lease.token);
        return super.record(...args);
      }
    }
    const capacity = new InMemoryCapacity(4, { min: 0, max: 10 });
    let describes = 0;
    const flaky: CapacityPort = {
      describe: async () => {
        describes += 1;
        // The first look succeeds; the describe under the lease fails (throttled, denied).
        if (describes > 1) throw new Error('Throttling: Rate exceeded');
        return capacity.describe();
      },
      setCapacity: (target, desired) => capacity.setCapacity(target, desired),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const now = new Date('2026-11-22T00:00:00Z');
      const evaluations = await evaluateTargets(
        {
          policy: seedStepPolicy(),
          kind: 'asg',
          capacity: flaky,
          ledger: new TakenOver(),
          // The group is about to act (CPU 95 > 70), so it takes the lease and is described again under it.
          metrics: new FunctionMetrics(() => 95),
          notifier: { capacityChanged: async () => {} },
          clock: { now: () => now },
          log: { info() {}, warn() {}, error() {} },
          owner: 'a',
        },
        { trigger: 'schedule' },
      );
      await sleep(10);
      expect(evaluations.map((e) => e.decision.reason)).toEqual(['LeaseHeld']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
