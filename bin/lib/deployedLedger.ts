import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { callerScope } from '../../shared/adapters/callerScope';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
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

/**
 * The ledger the deployed functions write: the table `--table` names, else the one the stage's function for `kind`
 * runs with (its own environment names it), read in the functions' own scope (<account>#<region>), so the CLI sees
 * what they wrote.
 */
export async function deployedLedger(
  aws: AwsConfig,
  options: DeployedLedgerOptions,
  kind: TargetKind,
): Promise<DynamoLedger> {
  const table =
    options.table ?? (await deployedEnvironment(aws, options.stage, functionByKind[kind])).LEDGER_TABLE ?? '';
  return new DynamoLedger(aws, table, await callerScope(aws, options.account));
}
