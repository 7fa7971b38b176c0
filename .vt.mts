import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
for (const port of process.argv.slice(2)) {
  const c = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: { accessKeyId: 'harness', secretAccessKey: 'x' } });
  let max = '', key: any;
  do { const r = await c.send(new ScanCommand({ TableName: 'ledger', ExclusiveStartKey: key, ProjectionExpression: 'sk' })); for (const i of r.Items ?? []) { const sk = i.sk?.S ?? ''; if (sk.startsWith('DECISION#') && sk > max) max = sk; } key = r.LastEvaluatedKey; } while (key);
  console.log(port, max.slice(9, 25));
}
