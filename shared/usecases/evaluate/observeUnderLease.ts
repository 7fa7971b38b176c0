import type { Observed, TargetRecord } from '../../ports';
import { observeMany } from './kindScaler';
import type { LeasedLook } from './leaseTargets';
import type { EvaluateDeps } from './types';

/** A leased target as read again under its lease: its ledger record and its resource, or why not. */
export type SeenUnderLease =
  | { readonly record: TargetRecord; readonly observed: Observed<unknown> }
  | {
      readonly error: unknown;
    };

/**
 * The re-observe step: every leased target's ledger record and resource read again, now that the lease is
 * held, in the kind's batched reads with everything an action needs (a group's instance refreshes). Every
 * mutation is decided from this read, never from the first look: a change someone made in between (desired
 * raised by hand, another evaluation's operation) is seen, and the blast-radius cap applies to the change
 * from what is there now.
 */
export async function observeUnderLease(
  deps: EvaluateDeps,
  leased: readonly LeasedLook[],
): Promise<Map<string, SeenUnderLease>> {
  const names = leased.map((l) => l.look.target.name);
  let records: ReadonlyMap<string, TargetRecord>;
  try {
    records = await deps.ledger.readMany(names);
  } catch (error) {
    return new Map(names.map((name) => [name, { error }]));
  }
  const observed = await observeMany(
    deps.capacity,
    leased.map((l) => l.look.target),
    'to-act',
  );
  return new Map(
    leased.map(({ look }) => {
      const name = look.target.name;
      const seen = observed.get(name);
      const record = records.get(name);
      return [
        name,
        seen && record
          ? { record, observed: seen }
          : { error: new Error(`${name} was not read under its lease`) },
      ];
    }),
  );
}
