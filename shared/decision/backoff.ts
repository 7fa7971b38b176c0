/** The longest a failing target waits between attempts. */
export const MAX_BACKOFF_SECONDS = 900;

/**
 * When a target that failed `failures` evaluations in a row may be tried again: one minute after the first
 * failure, doubling up to 15 minutes. A deleted group or a denied describe then costs a few calls an hour
 * instead of one a minute, and the healthy targets of the same run are evaluated as usual.
 */
export function backoffUntil(failures: number, now: Date): Date {
  const seconds = Math.min(MAX_BACKOFF_SECONDS, 60 * 2 ** Math.max(0, failures - 1));
  return new Date(now.getTime() + seconds * 1000);
}
