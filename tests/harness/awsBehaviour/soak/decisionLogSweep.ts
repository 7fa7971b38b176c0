import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../../../../shared/adapters/awsConfig';
import { SCOPE, type ScalerWorld } from '../scalerWorld';

/**
 * Deletes the ledger's decision log entries older than `before`, as DynamoDB's TTL would once they expire
 * (the log keeps 30 days; no function reads it back: `decisions` and the cost alerts do). The soak sweeps
 * every few virtual hours because moto copies its whole table on every TransactWriteItems: a week of
 * decisions would make each write of the functions slower than the one before.
 */
export async function sweepDecisionLog(world: ScalerWorld, before: Date): Promise<number> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(world.layer.harnessAws)));
  let deleted = 0;
  for (const target of world.policy.targets) {
    const pk = `TARGET#${SCOPE}#${target.name}`;
    let startKey: Record<string, unknown> | undefined;
    const keys: { pk: string; sk: string }[] = [];
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: 'ledger',
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': pk,
            ':from': 'DECISION#',
            ':to': `DECISION#${before.toISOString()}`,
          },
          ProjectionExpression: 'pk, sk',
          ExclusiveStartKey: startKey,
        }),
      );
      keys.push(...((page.Items ?? []) as { pk: string; sk: string }[]));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    for (let i = 0; i < keys.length; i += 25) {
      await client.send(
        new BatchWriteCommand({
          RequestItems: { ledger: keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } })) },
        }),
      );
    }
    deleted += keys.length;
  }
  client.destroy();
  return deleted;
}
