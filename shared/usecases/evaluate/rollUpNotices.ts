import type { CapacityChangeNotice, RolledUpNotice } from '../../ports';
import { rollUp } from '../rollUp';

/**
 * A notice the run queued; `rollable`: a hold or skip told once, on a target the run took no action on (never a
 * change, a failed or settled operation, or a preparing step such as a replica replaced or a shard's replicas).
 */
export type QueuedNotice = CapacityChangeNotice & { readonly rollable?: boolean };

/**
 * The batch's notices, the rollable ones (holds and skips told once) rolled up by kind and reason where
 * `ROLL_UP_AT` or more share them (rollUp); every other notice (a change, a failed or settled operation, an action
 * that keeps the count, a dry run's would-be change) is told alone, as before. Pure.
 */
export function rollUpNotices(notices: readonly QueuedNotice[]): {
  single: CapacityChangeNotice[];
  rolledUp: RolledUpNotice[];
} {
  const { single, together } = rollUp(notices, ({ rollable, decision }) =>
    rollable && decision.desired === decision.current ? `${decision.kind} ${decision.reason}` : undefined,
  );
  const rolledUp = together.map((notices) => {
    const { kind, reason } = (notices[0] as CapacityChangeNotice).decision;
    return { kind, reason, notices };
  });
  return { single, rolledUp };
}
