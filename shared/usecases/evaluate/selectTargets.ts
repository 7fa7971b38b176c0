import { ScalingError } from '../../errors';
import type { Policy, Target, TargetKind } from '../../policy/schema';

/** The kind's targets a run looks at: the named ones (each must be a target of the kind), or all of them. */
export function selectTargets(
  policy: Policy,
  kind: TargetKind,
  names: readonly string[] | undefined,
): Target[] {
  const ofKind = policy.targets.filter((t) => t.kind === kind);
  if (!names) return ofKind;
  return names.map((name) => {
    const target = ofKind.find((t) => t.name === name);
    if (!target) throw new ScalingError(`target "${name}" is not a ${kind} target of the policy`);
    return target;
  });
}

/**
 * The targets in policy order, starting at `first` (where the last run that ran out of time stopped) and
 * wrapping round, so the targets a deadline leaves out are the first to be taken next time and none starves.
 * A `first` no longer in the list starts at the head.
 */
export function rotateTargets(targets: readonly Target[], first: string | undefined): Target[] {
  const at = first === undefined ? -1 : targets.findIndex((t) => t.name === first);
  return at <= 0 ? [...targets] : [...targets.slice(at), ...targets.slice(0, at)];
}
