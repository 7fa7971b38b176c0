import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { clientOptions } from '../../../../shared/adapters/awsConfig';
import { SCOPE, type ScalerWorld } from '../scalerWorld';

/**
 * Deletes the ledger's decision log entries older than `before`, as DynamoDB's TTL would once they expire
 * (the log keeps 30 days; no function reads it back: `decisions` and the cost alerts do). The soak sweeps
 * every half hour because moto deep-copies its tables on every TransactWriteItems and keeps about 40 KB
 * per call of a small table (measured: moto 5.2.5): a 7-day soak's log grew moto past 15 GB, and made each
 * of the functions' writes slower than the one before.
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
