import { ScalingError } from '../../shared/errors';
import type { Ledger } from '../../shared/ports';

/** A call on the ledger table failed: the table named, then the call's own error (its `cause`). */
export class LedgerTableError extends ScalingError {
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(`ledger table "${table}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * The ledger, its failures naming its table (LedgerTableError): DynamoDB's own errors (a throttle, a denied read)
 * often do not, and the CLI's operator may have several stages' tables in one account.
 */
export function tableNamedLedger(ledger: Ledger, table: string): Ledger {
  return new Proxy(ledger, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise
          ? result.catch((error: unknown) => {
              throw new LedgerTableError(table, error);
            })
          : result;
      };
    },
  });
}
