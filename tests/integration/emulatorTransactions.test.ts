import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { useEmulator } from '../harness/useEmulator';

// The emulator's DynamoDB transactions, as the ledger's fencing relies on them: all or nothing. moto backs up
// every table a transaction touches with a deep copy, once per item (60-180 ms a transaction on a ledger of
// 1,000-3,000 items, so long replays slowed as their ledger grew); bin/lib/motoServer.py backs up the touched
// items instead. These rows hold the all-or-nothing AWS documents through that workaround.
const emulator = useEmulator();
const TABLE = 'ledger';
const dynamo = () => new DynamoDBClient(clientOptions(emulator.aws));
const key = (pk: string, sk = '1') => ({ pk: { S: pk }, sk: { S: sk } });

async function item(pk: string, sk = '1') {
  return (await dynamo().send(new GetItemCommand({ TableName: TABLE, Key: key(pk, sk) }))).Item;
}

const put = (pk: string, extra: Partial<TransactWriteItem['Put']> = {}): TransactWriteItem => ({
  Put: { TableName: TABLE, Item: { ...key(pk), n: { N: '1' } }, ...extra },
});
const raise: TransactWriteItem = {
  Update: {
    TableName: TABLE,
    Key: key('kept'),
    UpdateExpression: 'SET n = :two',
    ExpressionAttributeValues: { ':two': { N: '2' } },
  },
};
const remove: TransactWriteItem = { Delete: { TableName: TABLE, Key: key('doomed') } };
const refused = put('many', { ConditionExpression: 'attribute_not_exists(pk)' });
/** The same write with its table named by ARN, as DynamoDB also takes it. */
const renamed = (item: TransactWriteItem, arn: string): TransactWriteItem =>
  Object.fromEntries(Object.entries(item).map(([op, body]) => [op, { ...body, TableName: arn }]));

beforeEach(async () => {
  await new DemoAccount(emulator.aws).createLedgerTable(TABLE); // the ledger's table, as the stack makes it
  for (const pk of ['kept', 'doomed'])
    await dynamo().send(new PutItemCommand({ TableName: TABLE, Item: { ...key(pk), n: { N: '1' } } }));
  for (let i = 0; i < 50; i++)
    await dynamo().send(
      new PutItemCommand({ TableName: TABLE, Item: { ...key('many', String(i)), n: { N: '1' } } }),
    );
});

describe('the emulator: a DynamoDB transaction is all or nothing', () => {
  it.each([
    {
      name: 'every item passes: the put, the update and the delete all land',
      items: [put('new'), raise, remove],
    },
    {
      name: 'the last item passes its condition too',
      items: [put('new'), raise, remove, put('fresh', { ConditionExpression: 'attribute_not_exists(pk)' })],
    },
  ])('$name', async ({ items }) => {
    await dynamo().send(new TransactWriteItemsCommand({ TransactItems: items }));
    expect(await item('new')).toBeDefined();
    expect((await item('kept'))?.n).toEqual({ N: '2' });
    expect(await item('doomed')).toBeUndefined();
  });

  it.each([
    { name: 'the last item fails its condition', items: [put('new'), raise, remove, refused] },
    { name: 'the first item fails its condition', items: [refused, put('new'), raise, remove] },
    { name: 'a middle item fails its condition', items: [put('new'), refused, raise, remove] },
    {
      name: 'the table named by its ARN, the last item failing',
      items: [put('new'), raise, remove, refused],
      byArn: true,
    },
  ])('$name: nothing lands, and the table is as it was', async ({ items, byArn }) => {
    const before = (await dynamo().send(new ScanCommand({ TableName: TABLE }))).Items;
    const arn = (await dynamo().send(new DescribeTableCommand({ TableName: TABLE }))).Table?.TableArn;
    const named = byArn ? items.map((i) => renamed(i, arn as string)) : items;
    const attempt = dynamo().send(new TransactWriteItemsCommand({ TransactItems: named }));
    await expect(attempt).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(await item('new')).toBeUndefined();
    expect((await item('kept'))?.n).toEqual({ N: '1' });
    expect(await item('doomed')).toBeDefined();
    expect((await dynamo().send(new ScanCommand({ TableName: TABLE }))).Items).toEqual(before);
  });
});
