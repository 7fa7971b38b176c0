import { DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, clientOptions } from '../../shared/adapters/awsConfig';
import { callerScope } from '../../shared/adapters/callerScope';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { AwsCallError, ScalingError } from '../../shared/errors';
import type { TargetKind } from '../../shared/policy/schema';
import { functionByKind } from '../../shared/policy/targetResource';
import { deployedEnvironment } from './cliOptions';

export interface DeployedLedgerOptions {
  readonly stage: string;
  /** `--table`: this table instead of the stage's. */
  readonly table?: string;
  /** `--account`: this account's scope instead of the caller's. */
  readonly account?: string;
}

/** The ledger table the CLI was pointed at does not exist where it looked: one line naming both. */
export class LedgerTableNotFoundError extends ScalingError {
  constructor(
    readonly table: string,
    readonly where: string,
    options?: ErrorOptions,
  ) {
    super(`ledger table "${table}" not found in ${where}: is the stage deployed? --table names it`, options);
  }
}

/**
 * The ledger the deployed functions write: the table `--table` names, else the one the stage's function for `kind`
 * runs with (its own environment names it), read in the functions' own scope (<account>#<region>), so the CLI sees
 * what they wrote. A table that does not exist is refused here, once: every read of it would fail with a
 * ResourceNotFoundException that names no table, and a command that goes on without its reads says false things.
 */
export async function deployedLedger(
  aws: AwsConfig,
  options: DeployedLedgerOptions,
  kind: TargetKind,
): Promise<DynamoLedger> {
  return (await deployedLedgerTable(aws, options, kind)).ledger;
}

/** `deployedLedger`, with the name of the table it reads (for a line that names it). */
export async function deployedLedgerTable(
  aws: AwsConfig,
  options: DeployedLedgerOptions,
  kind: TargetKind,
): Promise<{ ledger: DynamoLedger; table: string }> {
  const table =
    options.table ?? (await deployedEnvironment(aws, options.stage, functionByKind[kind])).LEDGER_TABLE ?? '';
  await ledgerTableExists(aws, table);
  return { ledger: new DynamoLedger(aws, table, await callerScope(aws, options.account)), table };
}

/**
 * Throws LedgerTableNotFoundError when DescribeTable answers ResourceNotFoundException (the table is not in this
 * account and region: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeTable.html);
 * any other failure is the call's own.
 */
async function ledgerTableExists(aws: AwsConfig, table: string): Promise<void> {
  const where = aws.endpoint ? `${aws.region} at ${aws.endpoint}` : aws.region;
  if (table === '') throw new LedgerTableNotFoundError(table, where);
  const client = new DynamoDBClient(clientOptions(aws));
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
  } catch (cause) {
    if (cause instanceof ResourceNotFoundException || (cause as Error)?.name === 'ResourceNotFoundException')
      throw new LedgerTableNotFoundError(table, where, { cause });
    throw new AwsCallError(`DynamoDB DescribeTable ${table}`, cause);
  } finally {
    client.destroy();
  }
}
