import type { KindAction } from '../../decision/kindModel';
import type { Decision, PendingIntent } from '../../decision/types';
import type { Lease } from '../../ports';
import type { EvaluateDeps } from './types';

/** A write-ahead intent needs the lease to outlive the AWS call it precedes by this much. */
export const INTENT_MARGIN_SECONDS = 15;

/**
 * The write-ahead step: the change (from, to, the kind's action, id `<owner>#<token>`) stored under the
 * lease before its AWS call, only while the lease has `INTENT_MARGIN_SECONDS` left (else LeaseLostError and
 * nothing is done). A crash after it leaves the intent for the next evaluation to reconcile.
 */
export async function writeIntent(
  deps: EvaluateDeps,
  lease: Lease,
  decision: Decision,
  action: KindAction,
  now: Date,
): Promise<PendingIntent> {
  const intent: PendingIntent = {
    id: `${lease.owner}#${lease.token}`,
    from: decision.current,
    to: decision.desired,
    at: now,
    token: lease.token,
    reason: decision.reason,
    action,
  };
  await deps.ledger.writeIntent(lease, intent, deps.clock.now(), INTENT_MARGIN_SECONDS);
  return intent;
}
