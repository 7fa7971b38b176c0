import { ScalingError } from '../errors';

/** The account and region a ledger's records belong to. */
export interface LedgerScope {
  readonly account: string;
  readonly region: string;
}

const SCOPE = /^(\d{12})#([a-z0-9-]+)$/;

/**
 * The one ledger scope, `<account>#<region>`: the deployed functions (from SCALEPILOT_SCOPE, which
 * serverless.yml sets to `${AWS::AccountId}#${AWS::Region}`) and the CLI (from STS or `--account`) both
 * key the ledger with it, so `plan --table` and `decisions` read what the functions wrote.
 */
export function ledgerScope({ account, region }: LedgerScope): string {
  if (!/^\d{12}$/.test(account))
    throw new ScalingError(`account "${account}" is not a 12-digit AWS account id`);
  if (!/^[a-z0-9-]+$/.test(region)) throw new ScalingError(`region "${region}" is not an AWS region code`);
  return `${account}#${region}`;
}

/** Reads `<account>#<region>` back; `source` names where the text came from, for the error. */
export function parseLedgerScope(text: string, source: string): LedgerScope {
  const match = SCOPE.exec(text);
  if (!match?.[1] || !match[2])
    throw new ScalingError(`${source} is "${text}", not <account>#<region> (e.g. 123456789012#us-east-1)`);
  return { account: match[1], region: match[2] };
}

/**
 * A function's own scope, from SCALEPILOT_SCOPE; it must name the region the function runs in, or the
 * function would read and write another region's records.
 */
export function scopeFromEnv(env: NodeJS.ProcessEnv, region: string): LedgerScope {
  const text = env.SCALEPILOT_SCOPE;
  if (!text) throw new ScalingError('environment variable SCALEPILOT_SCOPE is not set');
  const scope = parseLedgerScope(text, 'SCALEPILOT_SCOPE');
  if (scope.region !== region)
    throw new ScalingError(
      `SCALEPILOT_SCOPE names region ${scope.region}, but the function runs in ${region}`,
    );
  return scope;
}
