import type { Target } from '../../policy/schema';
import { observeMany } from './kindScaler';
import type { EvaluateDeps, TargetLook } from './types';

/**
 * The first look at a batch of targets: their ledger records in one batched read, then the resources of
 * those not backed off in the kind's batched read (groups: 100 names per call), a first look that may leave
 * out what only an action needs. A group its own scaling policies refused has those policies read again
 * (their ARNs kept in its record), so a refusal that stands is decided here and recorded without a lease.
 * A backed-off target costs no AWS call. A resource that cannot be read is that target's error, not the
 * batch's.
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
  const read = looks.filter((l) => !l.backedOff);
  // A group its own scaling policies refused: those policies are asked for again (AutoScalingCapacity).
  const refusedBy = new Map(
    read.flatMap(({ target, record }) =>
      record.scalingPolicyArns?.length ? [[target.name, record.scalingPolicyArns] as const] : [],
    ),
  );
  const observed = await observeMany(
    deps.capacity,
    read.map((l) => l.target),
    'first-look',
    refusedBy.size > 0 ? refusedBy : undefined,
  );
  return looks.map((look) => {
    const seen = observed.get(look.target.name);
    return look.backedOff || !seen ? look : { ...look, observed: seen };
  });
}
