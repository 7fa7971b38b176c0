import { clipped } from '../errors';
import { unitByKind } from '../policy/targetResource';
import type { CapacityChangeNotice, RolledUpNotice } from '../ports';

/** The human text of a capacity change: what, from, to, why, and the metric values. */
export function capacityChangeMessage({ decision, dryRun, at }: CapacityChangeNotice) {
  const unit = unitByKind[decision.kind];
  const verb = decision.direction === 'out' ? 'scaled out' : 'scaled in';
  const prefix = dryRun ? '[dry run] would have ' : '';
  // A notice that is no change (a gate holding the target, an operation AWS refused or gave up on) says so.
  const changed =
    decision.desired !== decision.current &&
    decision.reason !== 'OperationFailed' &&
    decision.reason !== 'ActionFailed';
  const subject = (
    changed
      ? `Scalepilot: ${decision.target} ${prefix}${verb} ${decision.current} → ${decision.desired}`
      : `Scalepilot: ${decision.target} ${decision.reason} (${decision.current} ${unit}s, nothing changed)`
  ).slice(0, 100);
  const metrics = Object.entries(decision.metrics)
    .map(([rule, value]) => `  ${rule}: ${value === null ? 'no fresh datapoint' : value}`)
    .join('\n');
  const body = [
    changed
      ? `${decision.target} (${decision.kind}) ${prefix}${verb}: ${decision.current} → ${decision.desired} ${unit}s.`
      : `${decision.target} (${decision.kind}): ${decision.reason}; still ${decision.current} ${unit}s, nothing changed.`,
    `Reason: ${decision.reason}: ${decision.message}`,
    `Metrics:\n${metrics}`,
    `At: ${at.toISOString()}`,
  ].join('\n');
  return { subject, body };
}

/**
 * The human text of notices many targets share in one batch (rollUpNotices): how many, and each target with its
 * size and its own words (clipped at 300 characters), and where each target's own decision is.
 */
export function rolledUpMessage({ kind, reason, notices }: RolledUpNotice) {
  const unit = unitByKind[kind];
  const subject = `Scalepilot: ${notices.length} ${kind} targets ${reason} (nothing changed)`.slice(0, 100);
  const body = [
    `${notices.length} ${kind} targets: ${reason}; nothing changed.`,
    ...notices.map(
      (n) => `- ${n.decision.target} (${n.decision.current} ${unit}s): ${clipped(n.decision.message, 300)}`,
    ),
    `At: ${notices[0]?.at.toISOString() ?? ''}`,
    "Each target's decision is in the ledger (scalepilot why); each is told again when its own notice changes.",
  ].join('\n');
  return { subject, body };
}
