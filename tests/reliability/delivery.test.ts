import { readFileSync } from 'node:fs';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { MAX_ALARM_EVENT_AGE_SECONDS } from '../../shared/lambda/eventAge';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { alarmActionEvent, asgScalerOnEmulator, lambdaContext, seedStepPolicy } from '../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../harness/inMemoryPorts';
import { useEmulator } from '../harness/useEmulator';
import { recordFigures } from './figures';
import { InMemoryIdempotencyStore } from './inMemoryIdempotency';

// Issue 15, item 1: one alarm delivered many times, late, and out of order acts once.
// Against moto, the handler in-process (Lambda Invoke inside moto needs Docker); the Date of the process
// is moved (vi.setSystemTime) so Powertools' idempotency records expire as they would in six hours.

const SERVERLESS = new URL('../../serverless.yml', import.meta.url);
const ALARM = 'scalepilot-test.api.cpu.gt70';
const sysClock = { now: () => new Date() };

describe('delivery against the emulator', () => {
  const emulator = useEmulator();
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the handler refuses alarm events older than the functions’ maximumEventAge in serverless.yml', () => {
    const ages = [...readFileSync(SERVERLESS, 'utf8').matchAll(/maximumEventAge: (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    // The three scalers (the cost function's daily check is no alarm and may wait longer).
    expect(ages.filter((a) => a === MAX_ALARM_EVENT_AGE_SECONDS)).toHaveLength(3);
  });

  it('50 concurrent deliveries of one alarm make 1 SetDesiredCapacity; redelivered 1 min, 3 min and 6 h later, 0 more (defect: a 6-hour-old redelivery scaled out again)', async () => {
    const start = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    vi.useFakeTimers({ toFake: ['Date'], now: start });
    const { handler, account } = await asgScalerOnEmulator(emulator, seedStepPolicy(), sysClock);
    await account.createAutoScalingGroup('g', { min: 2, max: 10, desired: 2 });
    const hot = async () =>
      account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: 'g' } },
        95,
        new Date(Date.now() - 60_000),
      );
    await hot();
    const event = alarmActionEvent(ALARM, 'ALARM', start);
    const burst = await Promise.all(
      Array.from({ length: 50 }, (_, i) => handler(structuredClone(event), lambdaContext(`burst-${i}`))),
    );
    const burstCalls = emulator.calls('SetDesiredCapacity');
    expect(burstCalls).toBe(1);
    const reasons = burst.flat().map((e) => e.decision.reason);
    expect(reasons.filter((r) => r === 'ScaleOut')).toHaveLength(1);
    const tally = (rs: string[]) => {
      const counts = new Map<string, number>();
      for (const r of rs) counts.set(r, (counts.get(r) ?? 0) + 1);
      return [...counts]
        .sort()
        .map(([r, n]) => `${r} ${n}`)
        .join(', ');
    };

    // The load stays high, so an old event that were acted on would scale out again once its cooldown
    // (300 s) is over: only the redelivery's refusal keeps it at one change.
    const later: { after: string; reason: string; calls: number }[] = [];
    for (const [after, seconds] of [
      ['1 min', 60],
      ['3 min', 180],
      ['6 h', 6 * 3600],
    ] as const) {
      vi.setSystemTime(start.getTime() + seconds * 1000);
      await hot();
      const before = emulator.calls('SetDesiredCapacity');
      const [again] = await handler(structuredClone(event), lambdaContext(`again-${after}`));
      later.push({
        after,
        reason: again?.decision.reason ?? 'none',
        calls: emulator.calls('SetDesiredCapacity') - before,
      });
    }
    expect(later).toEqual([
      { after: '1 min', reason: 'DuplicateEvent', calls: 0 },
      { after: '3 min', reason: 'DuplicateEvent', calls: 0 },
      { after: '6 h', reason: 'StaleEvent', calls: 0 },
    ]);
    const group = await new AutoScalingClient(clientOptions(emulator.aws)).send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }),
    );
    expect(group.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(4);
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.filter((d) => d.reason === 'StaleEvent')).toHaveLength(1);

    recordFigures('delivery', '50 concurrent deliveries, then redeliveries', {
      'concurrent deliveries of one alarm event': 50,
      'SetDesiredCapacity calls they made': burstCalls,
      'outcomes of the 50': tally(reasons),
      ...Object.fromEntries(
        later.map((l) => [
          `redelivered ${l.after} later: SetDesiredCapacity calls`,
          `${l.calls} (${l.reason})`,
        ]),
      ),
    });
  });
});

// In-process: the real handler (parse, stale check, Powertools idempotency, use case) with in-memory ports.
const T0 = Date.parse('2026-11-22T00:00:00Z');
const MINUTES = 45;
const RUNS = 1000;

const policyArb = fc.constantFrom<[string, Policy]>(
  ['step', seedStepPolicy()],
  [
    'target tracking',
    validatePolicy({
      version: 1,
      targets: [
        {
          name: 'api',
          kind: 'asg',
          autoScalingGroupName: 'g',
          capacity: { min: 2, max: 12 },
          rules: [
            {
              name: 'cpu',
              type: 'target-tracking',
              metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
              target: 50,
            },
          ],
        },
      ],
    }),
  ],
);

/** The alarm events CloudWatch would send for this load: one per state change of each generated alarm. */
function alarmEvents(policy: Policy, load: readonly number[]) {
  const events: { minute: number; event: ReturnType<typeof alarmActionEvent> }[] = [];
  for (const alarm of alarmDefinitions(policy, 'test')) {
    let state: 'OK' | 'ALARM' = 'OK';
    load.forEach((value, minute) => {
      const breaching =
        alarm.comparison === 'GreaterThanThreshold' ? value > alarm.threshold : value < alarm.threshold;
      const next = breaching ? 'ALARM' : 'OK';
      if (next === state) return;
      state = next;
      const at = new Date(T0 + (minute + 1) * 60_000 + 5_000);
      events.push({ minute: minute + 1, event: alarmActionEvent(alarm.alarmName, next, at) });
    });
  }
  return events;
}

async function replay(policy: Policy, load: readonly number[], deliveries: (minute: number) => unknown[]) {
  let now = new Date(T0);
  const capacity = new InMemoryCapacity(3, { min: 0, max: 100 });
  const handler = createScalerHandler({
    policy,
    kind: 'asg',
    stage: 'test',
    account: '123456789012',
    region: 'us-east-1',
    capacity,
    ledger: new InMemoryLedger(),
    metrics: new FunctionMetrics((at) => load[Math.floor((at.getTime() - T0) / 60_000)]),
    notifier: { capacityChanged: async () => {} },
    clock: { now: () => now },
    log: { info() {}, warn() {}, error() {} },
    idempotencyStore: new InMemoryIdempotencyStore(),
  });
  const reasons: string[] = [];
  let request = 0;
  for (let minute = 1; minute <= MINUTES; minute += 1) {
    for (const event of deliveries(minute)) {
      now = new Date(T0 + minute * 60_000 + 10_000);
      request += 1;
      const evaluations = await handler(event, lambdaContext(`r${request}`));
      reasons.push(...evaluations.map((e) => e.decision.reason));
    }
  }
  return { desired: capacity.desired, sets: capacity.sets.length, reasons };
}

const tick = (minute: number) => ({
  source: 'aws.events',
  'detail-type': 'Scheduled Event',
  time: new Date(T0 + minute * 60_000).toISOString(),
});

describe('delivery in any order', () => {
  it(`${RUNS} runs: shuffled, duplicated and late OK/ALARM deliveries (with the one-minute schedule) end at the capacity of the in-order deliveries`, async () => {
    let deliveries = 0;
    let duplicates = 0;
    let stale = 0;
    let late = 0;
    await fc.assert(
      fc.asyncProperty(
        policyArb,
        fc.array(fc.integer({ min: 0, max: 110 }), { minLength: MINUTES, maxLength: MINUTES }),
        fc.infiniteStream(fc.record({ copies: fc.integer({ min: 1, max: 3 }), delay: fc.nat({ max: 9 }) })),
        fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })),
        async ([, policy], load, copyPlan, order) => {
          const events = alarmEvents(policy, load);
          const inOrder = await replay(policy, load, (minute) => [
            tick(minute),
            ...events.filter((e) => e.minute === minute).map((e) => structuredClone(e.event)),
          ]);
          // Each event delivered 1–3 times, each copy 0–9 minutes late, in any order with the tick.
          const plan = copyPlan[Symbol.iterator]();
          const random = order[Symbol.iterator]();
          const copies = events.flatMap((e) => {
            const { copies: n } = plan.next().value as { copies: number };
            return Array.from({ length: n }, () => {
              const { delay } = plan.next().value as { delay: number };
              return { minute: e.minute + delay, delay, event: e.event };
            });
          });
          const shuffled = await replay(policy, load, (minute) =>
            [tick(minute), ...copies.filter((c) => c.minute === minute).map((c) => structuredClone(c.event))]
              .map((e) => ({ e, key: random.next().value as number }))
              .sort((a, b) => a.key - b.key)
              .map(({ e }) => e),
          );
          expect(shuffled.desired).toBe(inOrder.desired);
          deliveries += copies.filter((c) => c.minute <= MINUTES).length;
          late += copies.filter((c) => c.delay > 0 && c.minute <= MINUTES).length;
          duplicates += shuffled.reasons.filter((r) => r === 'DuplicateEvent').length;
          stale += shuffled.reasons.filter((r) => r === 'StaleEvent').length;
        },
      ),
      { numRuns: RUNS },
    );
    recordFigures('delivery', 'shuffled, duplicated and late deliveries', {
      'fast-check runs (45 one-minute ticks each, step and target-tracking policies)': RUNS,
      'runs ending at the in-order capacity': RUNS,
      'alarm deliveries replayed': deliveries,
      'of them late (1–9 min)': late,
      'recognised as duplicates': duplicates,
      'refused as stale (> 300 s)': stale,
    });
  });
});
