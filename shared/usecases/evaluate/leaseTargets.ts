import { inParallel } from '../../inParallel';
import type { Lease } from '../../ports';
import type { EvaluationRun } from './EvaluationRun';
import type { TargetLook } from './types';

/** Leases taken (and per-target writes made) at once: within the 8–16 a control plane takes well. */
export const WRITES_IN_FLIGHT = 12;

/** A target whose lease this run holds. */
export interface LeasedLook {
  readonly look: TargetLook;
  readonly lease: Lease;
}

/**
 * The lease step, for the targets about to act (or to settle an operation): a conditional write with an
 * expiry and a fencing token each, a few at a time. A target whose lease another evaluation holds is
 * returned in `held` (that one decides); one whose lease could not be written at all fails its evaluation.
 */
export async function leaseTargets(
  run: EvaluationRun,
  looks: readonly TargetLook[],
  now: Date,
): Promise<{ leased: LeasedLook[]; held: TargetLook[] }> {
  const { deps } = run;
  const leased: LeasedLook[] = [];
  const held: TargetLook[] = [];
  await inParallel(looks, WRITES_IN_FLIGHT, (look) =>
    run.guard([look.target.name], async () => {
      const lease = await deps.ledger.acquireLease(
        look.target.name,
        deps.owner,
        now,
        deps.leaseSeconds ?? 60,
      );
      if (lease) leased.push({ look, lease });
      else held.push(look);
    }),
  );
  return { leased, held };
}
