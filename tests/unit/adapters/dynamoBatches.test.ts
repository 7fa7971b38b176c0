import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type BatchGet,
  type BatchPut,
  batchGetAll,
  batchPutAll,
} from '../../../shared/adapters/dynamoBatches';
import { AwsCallError } from '../../../shared/errors';

// The batching rounds against a fake BatchGetItem/BatchWriteItem: moto never leaves keys or items
// unprocessed (it does not throttle), so the rounds that send them again cannot be shown against it.

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
