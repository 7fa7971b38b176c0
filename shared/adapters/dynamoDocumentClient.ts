import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsConfig, clientOptions } from './awsConfig';

/**
 * The document client the stack's tables are written through (the ledger, the cost alerts' deliveries): on
 * `client` when one is given (a test's), else on a client of `config`; a field left undefined is not written.
 */
export function dynamoDocumentClient(config: AwsConfig, client?: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client ?? new DynamoDBClient(clientOptions(config)), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
