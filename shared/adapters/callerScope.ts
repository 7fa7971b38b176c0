import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsCallError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';
import { type LedgerScope, ledgerScope } from './ledgerScope';

/**
 * The ledger scope of the account the CLI is configured for (STS GetCallerIdentity), or of `account` when
 * the operator names it (`--account`): the same `<account>#<region>` the deployed functions write under.
 */
export async function callerScope(aws: AwsConfig, account?: string): Promise<string> {
  const scope: LedgerScope = { account: account ?? (await callerAccount(aws)), region: aws.region };
  return ledgerScope(scope);
}

async function callerAccount(aws: AwsConfig): Promise<string> {
  const identity = await new STSClient(clientOptions(aws))
    .send(new GetCallerIdentityCommand({}))
    .catch((cause: unknown) => {
      throw new AwsCallError('STS GetCallerIdentity (which account is this?)', cause);
    });
  if (!identity.Account)
    throw new AwsCallError('STS GetCallerIdentity', new Error('no Account in the answer'));
  return identity.Account;
}
