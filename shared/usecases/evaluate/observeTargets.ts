import type { Target } from '../../policy/schema';
import { observeMany } from './kindScaler';
import type { EvaluateDeps, TargetLook } from './types';

/**
 * The first look at a batch of targets: their ledger records in one batched read, then the resources of
 * those not backed off in the kind's batched read (groups: 100 names per call), a first look that may leave
 * out what only an action needs. A backed-off target costs no AWS call. A resource that cannot be read
 * is that target's error, not the batch's.
 */
export async function observeTargets(
  deps: EvaluateDeps,
  targets: readonly Target[],
  now: Date,
): Promise<TargetLook[]> {
  const records = await deps.ledger.readMany(targets.map((t) => t.name));
  const looks = targets.map((target) => {
    const record = records.get(target.name) ?? { history: { recommendations: [], changes: [] }, failures: 0 };
    const backedOff = record.backoffUntil !== undefined && now < record.backoffUntil;
    return { target, record, backedOff };
  });
  const observed = await observeMany(
    deps.capacity,
    looks.filter((l) => !l.backedOff).map((l) => l.target),
    'first-look',
  );
  return looks.map((look) => {
    const seen = observed.get(look.target.name);
    return look.backedOff || !seen ? look : { ...look, observed: seen };
  });
}
