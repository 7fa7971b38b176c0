import { LeaseLostError } from '../../errors';
import { withinLease } from '../../leaseFence';
import type { ApiBudget, Clock, Lease } from '../../ports';
import { INTENT_MARGIN_SECONDS } from './writeIntent';

/**
 * The fence of every AWS call made under a lease, read on this function's clock just before the call: the
 * lease must outlive it by `INTENT_MARGIN_SECONDS` once the run's API budget has let it go (a call waits its
 * turn there), else LeaseLostError and nothing is done. A step that needs no intent (a drain tag, reader
 * discovery kept in sync) has no conditional write before it, and a slow intent write (throttled, retried) or
 * a long wait for the budget can end past the lease it was checked against: a holder whose lease ran out
 * while it worked must not act on what it read (a stale replica list published over the next holder's, a
 * capacity set beside the next holder's).
 */
export function leaseOutlivesCall(lease: Lease, now: Date, budget: ApiBudget | undefined): void {
  const queued = budget?.queueMs() ?? 0;
  if (lease.expiresAt.getTime() - now.getTime() - queued < INTENT_MARGIN_SECONDS * 1000)
    throw new LeaseLostError(lease.target, lease.token);
}

/**
 * `work`'s AWS calls (the act step's, however many), checked as above before they start, with each attempt the
 * SDK then makes of them (its retries too) sent only while the lease outlives it (shared/leaseFence.ts).
 */
export function fencedByLease<T>(lease: Lease, clock: Clock, work: () => Promise<T>): Promise<T> {
  return withinLease(
    { target: lease.target, token: lease.token, expiresAt: lease.expiresAt, now: () => clock.now() },
    work,
  );
}
