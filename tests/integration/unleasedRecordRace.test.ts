import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../shared/adapters/AutoScalingCapacity';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { dynamoDocumentClient } from '../../shared/adapters/dynamoDocumentClient';
import { storedPlanMember } from '../../shared/adapters/planMemberItem';
import type { PlanMemberRecord } from '../../shared/decision/plans/types';
import type { Decision } from '../../shared/decision/types';
import { PartialWriteError } from '../../shared/errors';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { UnleasedRecord, WriteId } from '../../shared/ports';
import { capturedLog, lambdaContext, seedStepTargetInput, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// A decision that changes nothing is recorded without a lease, its WINDOW (and a plan member's PLAN) computed
// from the run's read at its start. A leased run (an alarm's, beside the schedule's) may write a newer one in
// between: the record without a lease must leave it (a lost write is worse than a skipped one), and still write
// its log entry and every other target's items. Through moto's DynamoDB, whose transactions are all or nothing
// and name each failed condition (emulatorTransactions.test.ts).

const emulator = useEmulator();
const SCOPE = '123456789012#us-east-1';
const T0 = new Date('2026-12-08T10:00:30Z');
const T1 = new Date(T0.getTime() + 20_000);

const held = (target: string, recommendation: number): Decision => ({
  target,
  kind: 'asg',
  current: 2,
  desired: 2,
  recommendation,
  direction: 'none',
  reason: 'WithinTolerance',
  message: `held at 2 (${recommendation})`,
  metrics: {},
});
const scaledOut = (target: string): Decision => ({
  ...held(target, 10),
  desired: 10,
  direction: 'out',
  reason: 'ScaleOut',
  message: 'scaled out to 10',
});
const member = (ordered: number, at: Date): PlanMemberRecord => ({
  ordered,
  serving: ordered,
  at,
  changes: [],
  planLevels: [{ at, desired: ordered }],
  leadSeconds: [],
});

async function setUpLedger() {
  await new DemoAccount(emulator.aws).createLedgerTable('ledger');
  return new DynamoLedger(emulator.aws, 'ledger', SCOPE);
}

/** What a leased run writes for `target` in its transaction: a scale-out to 10, its window and plan state. */
async function leasedScaleOut(ledger: DynamoLedger, target: string, at: Date) {
  const lease = await ledger.acquireLease(target, 'alarm-run', at, 60);
  if (!lease) throw new Error('lease not taken');
  await ledger.record(
    scaledOut(target),
    { trigger: 'alarm', applied: true, dryRun: false, now: at },
    {
      lease,
      history: {
        recommendations: [{ at, desired: 10 }],
        changes: [{ at, from: 2, to: 10 }],
        lastScaleOutAt: at,
      },
      plan: member(10, at),
    },
  );
  await ledger.releaseLease(lease);
}

/** A held decision's record without a lease, its window and plan state following from the writes read. */
const unleased = (target: string, read: { window?: WriteId; plan?: WriteId }, at = T1): UnleasedRecord => ({
  decision: held(target, 2),
  context: { trigger: 'schedule', applied: false, dryRun: false, now: at },
  recommendations: [{ at, desired: 2 }],
  ...(read.window ? { windowWriteId: read.window } : {}),
  plan: member(2, at),
  ...(read.plan ? { planWriteId: read.plan } : {}),
});

/** Each target's WINDOW and PLAN writes, as a run's first look reads them. */
async function readWrites(ledger: DynamoLedger, target: string) {
  const [records, plans] = await Promise.all([ledger.readMany([target]), ledger.readPlanMembers([target])]);
  return { window: records.get(target)?.windowWriteId, plan: plans.get(target)?.writeId };
}

/** The stored window's recommendations and plan state's ordered units of `target`. */
async function stored(ledger: DynamoLedger, target: string) {
  const record = await ledger.read(target);
  const plan = (await ledger.readPlanMembers([target])).get(target);
  return { window: record.history.recommendations.map((r) => r.desired), ordered: plan?.ordered };
}

/** A WINDOW and PLAN item as written before items carried a writeId. */
async function putLegacyItems(target: string) {
  const doc = dynamoDocumentClient(emulator.aws);
  const pk = `TARGET#${SCOPE}#${target}`;
  await doc.send(
    new PutCommand({
      TableName: 'ledger',
      Item: { pk, sk: 'WINDOW', recommendations: [{ at: T0.toISOString(), desired: 4 }] },
    }),
  );
  await doc.send(
    new PutCommand({ TableName: 'ledger', Item: { pk, sk: 'PLAN', ...storedPlanMember(member(4, T0)) } }),
  );
}

describe('a record without a lease replaces a WINDOW or PLAN item only while it is the write its run read', () => {
  it.each([
    { name: 'none at the read, a leased run wrote one since: its items stand', before: 'none', since: true },
    {
      name: 'one from before writeIds, a leased run wrote since: its items stand',
      before: 'legacy',
      since: true,
    },
    { name: 'a leased write at the read and another since: the newer stands', before: 'leased', since: true },
    { name: 'none at the read, none since: the record writes them', before: 'none', since: false },
    { name: 'one from before writeIds, none since: the record replaces it', before: 'legacy', since: false },
    {
      name: 'a leased write at the read, none since: the record replaces it',
      before: 'leased',
      since: false,
    },
  ])('$name', async ({ before, since }) => {
    const ledger = await setUpLedger();
    if (before === 'legacy') await putLegacyItems('api');
    if (before === 'leased') await leasedScaleOut(ledger, 'api', new Date(T0.getTime() - 60_000));
    const read = await readWrites(ledger, 'api');
    if (since) await leasedScaleOut(ledger, 'api', T0);
    await ledger.recordMany([unleased('api', read)]);
    expect(await stored(ledger, 'api')).toEqual(
      since ? { window: [10], ordered: 10 } : { window: [2], ordered: 2 },
    );
    // The decision's log entry is written either way.
    expect(
      (await ledger.decisions('api')).filter((d) => d.at === T1.toISOString()).map((d) => d.reason),
    ).toEqual(['WithinTolerance']);
  });

  it('every write of a WINDOW or PLAN item, leased or not, carries a new writeId', async () => {
    const ledger = await setUpLedger();
    await leasedScaleOut(ledger, 'api', T0);
    const leased = await readWrites(ledger, 'api');
    await ledger.recordMany([unleased('api', leased)]);
    const after = await readWrites(ledger, 'api');
    const ids = [leased.window, leased.plan, after.window, after.plan];
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(4);
  });

  it('only the target written since is left as it is: the transaction, cancelled, is sent again without its items, and every log entry is written once', async () => {
    const ledger = await setUpLedger();
    const targets = ['t-0', 't-1', 't-2'];
    for (const t of targets) await leasedScaleOut(ledger, t, new Date(T0.getTime() - 60_000));
    const reads = await Promise.all(targets.map((t) => readWrites(ledger, t)));
    await leasedScaleOut(ledger, 't-1', T0);
    const from = emulator.actions().length;
    await ledger.recordMany(targets.map((t, i) => unleased(t, reads[i] ?? {})));
    // One transaction of the 6 windows and plan states, cancelled for t-1's two conditions, then the 4 left;
    // beside it, the 3 log entries in one batch.
    expect(emulator.actions().slice(from).sort()).toEqual([
      'BatchWriteItem',
      'TransactWriteItems',
      'TransactWriteItems',
    ]);
    expect(await stored(ledger, 't-0')).toEqual({ window: [2], ordered: 2 });
    expect(await stored(ledger, 't-1')).toEqual({ window: [10], ordered: 10 });
    expect(await stored(ledger, 't-2')).toEqual({ window: [2], ordered: 2 });
    for (const t of targets)
      expect((await ledger.decisions(t)).filter((d) => d.at === T1.toISOString())).toHaveLength(1);
  });

  it('log entries alone (skips, deferrals) still go in BatchWriteItem calls: nothing to condition', async () => {
    const ledger = await setUpLedger();
    const from = emulator.actions().length;
    await ledger.recordMany(
      ['t-0', 't-1'].map((t) => ({
        decision: held(t, 2),
        context: { trigger: 'schedule' as const, applied: false, dryRun: false, now: T1 },
      })),
    );
    expect(emulator.actions().slice(from)).toEqual(['BatchWriteItem']);
    const doc = dynamoDocumentClient(emulator.aws);
    const window = await doc.send(
      new GetCommand({ TableName: 'ledger', Key: { pk: `TARGET#${SCOPE}#t-0`, sk: 'WINDOW' } }),
    );
    expect(window.Item).toBeUndefined();
  });
});

/** The sort keys each BatchWriteItem and TransactWriteItems call carried, as the emulator received them. */
function watchWrites() {
  const seen: { action: string; keys: string[] }[] = [];
  emulator.intercept(async (call, forward) => {
    if (call.action === 'BatchWriteItem' || call.action === 'TransactWriteItems') {
      const body = JSON.parse(call.body.toString('utf8'));
      const items: { sk: { S: string } }[] =
        call.action === 'BatchWriteItem'
          ? Object.values(body.RequestItems as Record<string, { PutRequest: { Item: any } }[]>)
              .flat()
              .map((r) => r.PutRequest.Item)
          : body.TransactItems.map((t: { Put: { Item: any } }) => t.Put.Item);
      seen.push({ action: call.action, keys: items.map((i) => i.sk.S.split('#')[0] ?? '') });
    }
    return forward();
  });
  return seen;
}

/** A DynamoDB refusal of `action`, as AWS words one. */
const refusing = (action: string) =>
  emulator.intercept(async (call, forward) =>
    call.action === action
      ? {
          status: 400,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#ValidationException',
              message: 'refused here',
            }),
          ),
        }
      : forward(),
  );

describe('what goes in which call: only the WINDOW and PLAN items pay for a transaction', () => {
  it('30 records: their log entries in 2 BatchWriteItem calls, their windows and plan states in 1 TransactWriteItems call', async () => {
    const ledger = await setUpLedger();
    const targets = Array.from({ length: 30 }, (_, i) => `t-${i}`);
    const seen = watchWrites();
    const from = emulator.actions().length;
    try {
      await ledger.recordMany(targets.map((t) => unleased(t, {})));
    } finally {
      emulator.intercept(undefined);
    }
    const counted: Record<string, number> = {};
    for (const op of emulator.actions().slice(from)) counted[op] = (counted[op] ?? 0) + 1;
    expect(counted).toEqual({ BatchWriteItem: 2, TransactWriteItems: 1 });
    const kinds = (action: string) => seen.filter((c) => c.action === action).flatMap((c) => c.keys);
    expect(kinds('BatchWriteItem')).toEqual(Array(30).fill('DECISION'));
    expect(kinds('TransactWriteItems').sort()).toEqual([
      ...Array(30).fill('PLAN'),
      ...Array(30).fill('WINDOW'),
    ]);
    expect(await stored(ledger, 't-29')).toEqual({ window: [2], ordered: 2 });
    expect((await ledger.decisions('t-29')).map((d) => d.reason)).toEqual(['WithinTolerance']);
  });

  it.each([
    {
      name: 'the transaction refused: the log entries are written, and the error says so',
      refused: 'TransactWriteItems',
      message:
        'not all written: windows and plan states (4 items, 1 TransactWriteItems call) not written (0 of 1 went through, 1 failed): DynamoDB TransactWriteItems (windows and plan states) failed: refused here; decision log (2 items, 1 BatchWriteItem call) written',
      logged: 1,
      window: [],
    },
    {
      name: 'the batch refused: the windows and plan states are written, and the error says so',
      refused: 'BatchWriteItem',
      message:
        'not all written: windows and plan states (4 items, 1 TransactWriteItems call) written; decision log (2 items, 1 BatchWriteItem call) not written (0 of 1 went through, 1 failed): DynamoDB BatchWriteItem (decision log) failed: refused here',
      logged: 0,
      window: [2],
    },
  ])('$name', async ({ refused, message, logged, window }) => {
    const ledger = await setUpLedger();
    refusing(refused);
    try {
      const error = await ledger
        .recordMany(['t-0', 't-1'].map((t) => unleased(t, {})))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartialWriteError);
      expect((error as Error).message).toBe(message);
    } finally {
      emulator.intercept(undefined);
    }
    expect(await ledger.decisions('t-1')).toHaveLength(logged);
    expect((await ledger.read('t-1')).history.recommendations.map((r) => r.desired)).toEqual(window);
  });
});

describe('through the scaler: an alarm’s leased run lands while the schedule’s run reads its metrics', () => {
  it('the schedule’s run, which changes nothing, leaves the scale-out’s window (its 10) and records the others', async () => {
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    await account.createPauseSwitch('test');
    const topicArn = await account.createTopic('scalepilot-test');
    const clock = testClock(T0);
    const log = capturedLog();
    const groups = ['race-0', 'race-1', 'race-2'];
    for (const g of groups) await account.createAutoScalingGroup(g, { min: 1, max: 10, desired: 2 });
    await account.putMetrics(
      groups.map((g) => ({
        metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: g } },
        value: 50,
        timestamp: new Date(T0.getTime() - 90_000),
      })),
    );
    const policy = validatePolicy({
      version: 1,
      targets: groups.map((g, i) =>
        seedStepTargetInput({ name: `t-${i}`, autoScalingGroupName: g, capacity: { min: 1, max: 10 } }),
      ),
    });
    const runtime = scalerRuntimeFromEnv({
      kind: 'asg',
      capacity: (aws) => new AutoScalingCapacity(aws),
      logger: log.sink,
      env: { LEDGER_TABLE: 'ledger', SCALEPILOT_STAGE: 'test', TOPIC_ARN: topicArn, SCALEPILOT_SCOPE: SCOPE },
      policy,
      aws: { ...emulator.aws, requestTimeoutMs: 120_000 },
      clock,
    });
    const handler = createScalerHandler(runtime);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    // The schedule's run has read the ledger (its first look) when it asks for its metrics: the alarm's run
    // scales t-1 out then, under its lease.
    let raced = false;
    emulator.intercept(async (call, forward) => {
      if (call.action === 'GetMetricData' && !raced) {
        raced = true;
        await leasedScaleOut(ledger, 't-1', clock.now());
      }
      return forward();
    });
    const schedule = () =>
      handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
        lambdaContext(`schedule-${clock.now().toISOString()}`),
      );
    const from = emulator.actions().length;
    try {
      const result = await schedule();
      expect(raced).toBe(true);
      expect(log.entries.filter((e) => e.message.includes('could not be recorded'))).toEqual([]);
      expect(result.map((e) => e.decision.reason)).toEqual(Array(3).fill('NoThresholdBreached'));
    } finally {
      emulator.intercept(undefined);
    }
    const window = async (t: string) => (await ledger.read(t)).history.recommendations.map((r) => r.desired);
    expect(await window('t-1')).toEqual([10]);
    expect(await window('t-0')).toEqual([2]);
    expect(await window('t-2')).toEqual([2]);
    expect((await ledger.decisions('t-1')).map((d) => d.reason).sort()).toEqual([
      'NoThresholdBreached',
      'ScaleOut',
    ]);
    // The leased run's transaction; the schedule's record, cancelled for t-1's window, then sent without it.
    const transactions = emulator
      .actions()
      .slice(from)
      .filter((a) => a.startsWith('Transact'));
    expect(transactions).toHaveLength(3);
    // A minute on, the next run reads the windows as they are (the scale-out's among them) and adds its own.
    clock.advance(60);
    await schedule();
    expect(await window('t-1')).toEqual([10, 2]);
    // Equal recommendations in a row are one entry, with the newer time.
    expect((await ledger.read('t-0')).history.recommendations).toEqual([{ at: clock.now(), desired: 2 }]);
  });
});
