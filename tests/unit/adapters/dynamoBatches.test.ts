import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BatchGet,
  type BatchPut,
  batchGetAll,
  type ConditionalPut,
  putAll,
  type TransactPuts,
} from '../../../shared/adapters/dynamoBatches';
import { AwsCallError, PartialWriteError } from '../../../shared/errors';

// The batching rounds against a fake BatchGetItem/BatchWriteItem/TransactWriteItems: moto never leaves keys or
// items unprocessed nor cancels a transaction for a conflict or throttling (it does not throttle), so the rounds
// that send them again cannot be shown against it (a condition that fails can: unleasedRecordRace.test.ts).

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `T#${i}`, sk: 'STATE' }));
/** putAll with items of one kind only. */
const batchPutAll = (items: Record<string, unknown>[], what: string, put: BatchPut) =>
  putAll({ plain: { items, what, put } });
const transactPutAll = (groups: ConditionalPut[][], what: string, transact: TransactPuts) =>
  putAll({ conditioned: { groups, what, transact } });

afterEach(() => {
  vi.useRealTimers();
});

describe('batchGetAll', () => {
  it('asks 100 keys a call and again for the keys left unprocessed', async () => {
    const sizes: number[] = [];
    const get: BatchGet = async (asked) => {
      sizes.push(asked.length);
      // The first call of all leaves its last key unprocessed, as a throttled table does.
      const left = sizes.length === 1 ? asked.slice(-1) : [];
      return {
        found: asked.slice(0, asked.length - left.length).map((k) => ({ ...k, v: 1 })),
        unprocessed: left,
      };
    };
    const found = await batchGetAll(keys(150), 'state', get);
    expect(found.map((i) => i.pk).sort()).toEqual(
      keys(150)
        .map((k) => k.pk)
        .sort(),
    );
    expect(sizes).toEqual([100, 50, 1]);
  });

  it('gives up after six rounds with an error naming the read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    let calls = 0;
    const get: BatchGet = async (asked) => {
      calls += 1;
      return { found: [], unprocessed: asked };
    };
    const read = batchGetAll(keys(2), 'plan', get);
    const failure = expect(read).rejects.toThrow(
      new AwsCallError('DynamoDB BatchGetItem (plan)', new Error('2 keys left unprocessed')),
    );
    await vi.runAllTimersAsync();
    await failure;
    expect(calls).toBe(6);
  });

  it('wraps a failed call in an AwsCallError naming it', async () => {
    const get: BatchGet = async () => {
      throw new Error('AccessDenied');
    };
    await expect(batchGetAll(keys(1), 'state', get)).rejects.toBeInstanceOf(AwsCallError);
  });
});

describe('putAll: plain puts (BatchWriteItem)', () => {
  it('puts 25 items a call and sends the unprocessed ones again', async () => {
    const sizes: number[] = [];
    const put: BatchPut = async (items) => {
      sizes.push(items.length);
      return sizes.length === 1 ? items.slice(0, 2) : [];
    };
    await batchPutAll(keys(30), 'decisions', put);
    expect(sizes).toEqual([25, 5, 2]);
  });
});

describe('putAll: conditioned puts (TransactWriteItems)', () => {
  /** A decision's puts: its log entry, and its target's window conditioned on the write read. */
  const decision = (target: string, n = 0): ConditionalPut[] => [
    { item: { pk: `T#${target}`, sk: `DECISION#${n}` } },
    { item: { pk: `T#${target}`, sk: 'WINDOW' }, condition: { expression: 'writeId = :read' } },
  ];
  /** A fake TransactWriteItems answering each call with the next of `answers` (then: went through). */
  const transacting = (answers: (readonly string[] | undefined)[]) => {
    const calls: string[][] = [];
    const transact: TransactPuts = async (puts) => {
      calls.push(puts.map((p) => `${p.item.pk} ${p.item.sk}`));
      return answers.shift();
    };
    return { calls, transact };
  };

  it.each([
    {
      name: '100 items a call, a decision’s items never split',
      groups: Array.from({ length: 40 }, (_, i) => [
        ...decision(`t${i}`),
        { item: { pk: `T#t${i}`, sk: 'PLAN' } },
      ]),
      sizes: [99, 21],
    },
    {
      name: 'no item twice in a call: two decisions of one target go in two',
      groups: [decision('a', 1), decision('b'), decision('a', 2)],
      sizes: [4, 2],
    },
    {
      name: 'under 4 MB of items a call (about 1 MB each: three)',
      groups: Array.from({ length: 5 }, (_, i) => [
        { item: { pk: `T#${i}`, sk: 'X', v: 'x'.repeat(1_000_000) } },
      ]),
      sizes: [3, 2],
    },
  ])('$name', async ({ groups, sizes }) => {
    const { calls, transact } = transacting([]);
    await transactPutAll(groups, 'decisions and windows', transact);
    expect(calls.map((c) => c.length)).toEqual(sizes);
  });

  it('a cancelled call: the puts whose condition failed are dropped (returned) and the others sent again at once', async () => {
    const { calls, transact } = transacting([['None', 'None', 'None', 'ConditionalCheckFailed']]);
    const dropped = await transactPutAll([decision('a'), decision('b')], 'decisions and windows', transact);
    expect(calls).toEqual([
      ['T#a DECISION#0', 'T#a WINDOW', 'T#b DECISION#0', 'T#b WINDOW'],
      ['T#a DECISION#0', 'T#a WINDOW', 'T#b DECISION#0'],
    ]);
    expect(dropped.map((p) => p.item)).toEqual([{ pk: 'T#b', sk: 'WINDOW' }]);
  });

  it('a call cancelled for a conflict or throttling is sent again whole after a pause', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { calls, transact } = transacting([
      ['TransactionConflict', 'None'],
      ['None', 'ThrottlingError'],
    ]);
    const write = transactPutAll([decision('a')], 'decisions and windows', transact);
    await vi.runAllTimersAsync();
    expect(await write).toEqual([]);
    expect(calls).toHaveLength(3);
  });

  it.each([
    {
      name: 'a put with no condition failing one',
      answers: [['ConditionalCheckFailed', 'None']],
      error: 'transaction cancelled: ConditionalCheckFailed',
    },
    {
      name: 'a reason not worth sending again',
      answers: [['ValidationError', 'None']],
      error: 'transaction cancelled: ValidationError',
    },
    {
      name: 'reasons that do not match the puts',
      answers: [['ConditionalCheckFailed']],
      error: 'transaction cancelled: 1 reasons for 2 items (ConditionalCheckFailed)',
    },
    {
      name: 'no reason given for any put',
      answers: [['None', 'None']],
      error: 'transaction cancelled: None, None',
    },
    {
      name: 'six calls cancelled in a row',
      answers: Array(6).fill(['TransactionConflict', 'None']),
      error: '2 items cancelled 6 times',
    },
  ])('fails, naming the write, on $name', async ({ answers, error }) => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const { transact } = transacting(answers);
    const write = transactPutAll([decision('a')], 'decisions and windows', transact);
    const failure = expect(write).rejects.toThrow(
      new AwsCallError('DynamoDB TransactWriteItems (decisions and windows)', new Error(error)),
    );
    await vi.runAllTimersAsync();
    await failure;
  });

  it('wraps a failed call in an AwsCallError naming it', async () => {
    const transact: TransactPuts = async () => {
      throw new Error('AccessDenied');
    };
    await expect(transactPutAll([decision('a')], 'decisions and windows', transact)).rejects.toBeInstanceOf(
      AwsCallError,
    );
  });
});

describe('putAll: both kinds side by side', () => {
  /** A call that ends when the test says: what it was sent, and how to end it. */
  interface Pending {
    readonly kind: 'put' | 'transact';
    readonly size: number;
    readonly end: (error?: Error) => void;
  }
  /** Fake calls of both kinds that wait to be ended, noting how many are in flight at once. */
  const held = () => {
    const pending: Pending[] = [];
    let inFlight = 0;
    let most = 0;
    const call = (kind: Pending['kind'], size: number) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      return new Promise<void>((resolve, reject) =>
        pending.push({
          kind,
          size,
          end: (error) => {
            inFlight -= 1;
            if (error) reject(error);
            else resolve();
          },
        }),
      );
    };
    const put: BatchPut = async (items) => {
      await call('put', items.length);
      return [];
    };
    const transact: TransactPuts = async (puts) => {
      await call('transact', puts.length);
      return undefined;
    };
    return { pending, put, transact, most: () => most, inFlight: () => inFlight };
  };
  const windows = (n: number): ConditionalPut[][] =>
    Array.from({ length: n }, (_, i) => [
      { item: { pk: `T#${i}`, sk: 'WINDOW' }, condition: { expression: 'writeId = :read' } },
    ]);
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  /** Ends each call as it comes, the `failing`-th (from 1) with an error, until none is left. */
  async function endAll(calls: ReturnType<typeof held>, failing?: number) {
    let ended = 0;
    for (await settle(); calls.pending.length > 0; await settle()) {
      const next = calls.pending.shift() as Pending;
      ended += 1;
      next.end(ended === failing ? new Error('InternalServerError') : undefined);
    }
  }

  it('one pool of calls for both: at most 4 in flight, whichever kind, the transactions first', async () => {
    const calls = held();
    const order: string[] = [];
    const write = putAll({
      conditioned: { groups: windows(150), what: 'windows', transact: calls.transact },
      plain: { items: keys(150), what: 'decisions', put: calls.put },
    });
    await settle();
    order.push(...calls.pending.map((p) => `${p.kind} ${p.size}`));
    await endAll(calls);
    await write;
    // 2 transactions (100 + 50) and 6 batches of 25: 8 calls, never more than 4 at once.
    expect(calls.most()).toBe(4);
    expect(order).toEqual(['transact 100', 'transact 50', 'put 25', 'put 25']);
  });

  it('once a call fails no other starts, those under way end first, and the error says what each kind did', async () => {
    const calls = held();
    const write = putAll({
      conditioned: { groups: windows(3), what: 'windows', transact: calls.transact },
      plain: { items: keys(150), what: 'decisions', put: calls.put },
    });
    const failure = write.catch((error: unknown) => ({ error, inFlight: calls.inFlight() }));
    // 7 calls, 4 at once: the transaction ends (a fourth batch starts), the first batch (a fifth starts), the
    // second fails: the sixth never starts, and the three under way go through before the error.
    await endAll(calls, 3);
    const { error, inFlight } = (await failure) as { error: PartialWriteError; inFlight: number };
    expect(inFlight).toBe(0);
    expect(error).toBeInstanceOf(PartialWriteError);
    expect(error.message).toBe(
      'not all written: windows (3 items, 1 TransactWriteItems call) written; decisions (150 items, 6 BatchWriteItem calls) partly written (4 of 6 went through, 1 failed, 1 not sent after the failure): DynamoDB BatchWriteItem (decisions) failed: InternalServerError',
    );
    expect(error.tallies.map(({ calls: n, written, failed }) => ({ n, written, failed }))).toEqual([
      { n: 1, written: 1, failed: 0 },
      { n: 6, written: 4, failed: 1 },
    ]);
  });
});
