import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BatchGet,
  type BatchPut,
  batchGetAll,
  batchPutAll,
  type ConditionalPut,
  type TransactPuts,
  transactPutAll,
} from '../../../shared/adapters/dynamoBatches';
import { AwsCallError } from '../../../shared/errors';

// The batching rounds against a fake BatchGetItem/BatchWriteItem/TransactWriteItems: moto never leaves keys or
// items unprocessed nor cancels a transaction for a conflict or throttling (it does not throttle), so the rounds
// that send them again cannot be shown against it (a condition that fails can: unleasedRecordRace.test.ts).

const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `T#${i}`, sk: 'STATE' }));

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

describe('batchPutAll', () => {
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

describe('transactPutAll', () => {
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
