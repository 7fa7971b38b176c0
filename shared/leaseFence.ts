import { AsyncLocalStorage } from 'node:async_hooks';
import { ScalingError } from './errors';

/**
 * The lease an AWS call is made under, as every attempt of it can read it: the walk sets it around the act
 * step (`withinLease`), the SDK's request handler asks before each attempt (`refuseAttemptPastLease`). The
 * walk checks the lease once before the call; the SDK then retries on its own (three attempts of up to 13 s
 * each, and an action may be several calls): an attempt sent after the lease ended would act beside the next
 * holder, who found the intent and reconciled it.
 */
export interface LeaseFence {
  readonly target: string;
  readonly token: number;
  readonly expiresAt: Date;
  /** The clock the lease was taken on (the function's; a test's virtual one). */
  readonly now: () => Date;
}

/**
 * The longest one attempt takes before the SDK gives it up: its connection and request timeouts
 * (shared/adapters/awsConfig.ts). An attempt that starts with less of the lease left could be answered after it.
 */
export const ATTEMPT_MAX_MS = 13_000;

const fences = new AsyncLocalStorage<LeaseFence>();

/** Runs `work` with its AWS calls' attempts fenced by the lease: none starts that could outlast it. */
export function withinLease<T>(fence: LeaseFence, work: () => Promise<T>): Promise<T> {
  return fences.run(fence, work);
}

/** Throws AttemptPastLeaseError when the call being made is fenced and its next attempt could outlast the lease. */
export function refuseAttemptPastLease(): void {
  const fence = fences.getStore();
  if (!fence) return;
  const leftMs = fence.expiresAt.getTime() - fence.now().getTime();
  if (leftMs < ATTEMPT_MAX_MS) throw new AttemptPastLeaseError(fence, leftMs);
}

/**
 * An attempt of an AWS call not sent: the lease it was made under would end before the attempt could be
 * answered. Not retried (the SDK takes it for a client error); the action's outcome is then unknown, as after
 * any call that failed, and the intent written before it tells the next holder to reconcile.
 */
export class AttemptPastLeaseError extends ScalingError {
  constructor(
    readonly fence: LeaseFence,
    readonly leftMs: number,
    options?: ErrorOptions,
  ) {
    super(
      `lease ${fence.token} on "${fence.target}" ends in ${Math.max(0, Math.round(leftMs / 1000))} s, under the ${ATTEMPT_MAX_MS / 1000} s an attempt may take: no further attempt sent`,
      options,
    );
  }
}
