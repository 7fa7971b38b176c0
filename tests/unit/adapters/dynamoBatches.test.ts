// aws-sdk-client-mock here: moto never leaves keys or items unprocessed (it does not throttle), so the
// rounds that send them again cannot be shown against the emulator.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchGetAll, batchPutAll } from '../../../shared/adapters/dynamoBatches';
import { AwsCallError } from '../../../shared/errors';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const mock = mockClient(doc);
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `T#${i}`, sk: 'STATE' }));

afterEach(() => {
  mock.reset();
  vi.useRealTimers();
});

describe('batchGetAll', () => {
  it('asks 100 keys a call and again for the keys left unprocessed', async () => {
    let first = true;
    mock.on(BatchGetCommand).callsFake(async (input) => {
      const asked = input.RequestItems.ledger.Keys as { pk: string }[];
      // The first call of all leaves its last key unprocessed, as a throttled table does.
      const left = first ? asked.slice(-1) : [];
      first = false;
      return {
        Responses: { ledger: asked.slice(0, asked.length - left.length).map((k) => ({ ...k, v: 1 })) },
        UnprocessedKeys: left.length > 0 ? { ledger: { Keys: left } } : {},
      };
    });
    const found = await batchGetAll(doc, 'ledger', keys(150), 'state');
    expect(found.map((i) => i.pk).sort()).toEqual(
      keys(150)
        .map((k) => k.pk)
        .sort(),
    );
    const sizes = mock
      .commandCalls(BatchGetCommand)
      .map((c) => c.args[0].input.RequestItems?.ledger?.Keys?.length);
    expect(sizes).toEqual([100, 50, 1]);
  });

  it('gives up after six rounds with an error naming the read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    mock
      .on(BatchGetCommand)
      .callsFake(async (input) => ({ UnprocessedKeys: { ledger: input.RequestItems.ledger } }));
    const read = batchGetAll(doc, 'ledger', keys(2), 'plan');
    const failure = expect(read).rejects.toThrow(
      new AwsCallError('DynamoDB BatchGetItem (plan)', new Error('2 keys left unprocessed')),
    );
    await vi.runAllTimersAsync();
    await failure;
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(6);
  });
});

describe('batchPutAll', () => {
  it('puts 25 items a call and sends the unprocessed ones again', async () => {
    let first = true;
    mock.on(BatchWriteCommand).callsFake(async (input) => {
      const sent = input.RequestItems.ledger as unknown[];
      const left = first ? sent.slice(0, 2) : [];
      first = false;
      return { UnprocessedItems: left.length > 0 ? { ledger: left } : {} };
    });
    await batchPutAll(doc, 'ledger', keys(30), 'decisions');
    const sizes = mock
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.ledger?.length);
    expect(sizes).toEqual([25, 5, 2]);
  });
});
