/**
 * The oldest alarm event a scaler acts on: the functions' `maximumEventAge` in serverless.yml (a test holds
 * the two equal). Lambda drops older async events itself, but a redelivery through SNS or a message
 * re-driven from the dead-letter queue arrives with its old state timestamp, after Powertools' one-hour
 * idempotency record has expired: the alarm it reports may have cleared hours ago.
 */
export const MAX_ALARM_EVENT_AGE_SECONDS = 300;

/** The oldest fan-out batch a scaler evaluates: a newer tick has handed out the same targets since. */
export const MAX_BATCH_AGE_SECONDS = 120;

/** Why an event is too old to act on, or undefined when it is fresh. */
export function staleness(
  timestamp: string,
  now: Date,
  maxAgeSeconds: number,
  what: string,
): string | undefined {
  const changed = Date.parse(timestamp);
  if (Number.isNaN(changed))
    return `its state timestamp "${timestamp}" is not a time, so its age cannot be told`;
  const age = Math.round((now.getTime() - changed) / 1000);
  if (age <= maxAgeSeconds) return undefined;
  return `its state changed ${age} s ago, more than the ${maxAgeSeconds} s ${what} is acted on`;
}
