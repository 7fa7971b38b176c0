import { clipped, FutureEventError } from '../errors';
import type { ScalingEvent } from '../events/parseScalingEvent';

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
    return `its state timestamp "${clipped(timestamp)}" is not a time, so its age cannot be told`;
  const age = Math.round((now.getTime() - changed) / 1000);
  if (age <= maxAgeSeconds) return undefined;
  return `its state changed ${age} s ago, more than the ${maxAgeSeconds} s ${what} is acted on`;
}

/**
 * How far ahead of the function's clock an event's time may be and still be taken: 300 s. Lambda's clock and
 * the clocks that stamp CloudWatch's state changes and EventBridge's ticks are AWS's, kept in step to well
 * under a second; a request signed with Signature Version 4 must reach AWS within five minutes of its time
 * stamp (IAM User Guide, "Signing AWS API requests"), so a function whose clock were further off could make
 * no AWS call at all. An event further ahead than that was stamped by no clock of AWS's: forged, replayed
 * from a test, or copied with its time edited. Taken, its age would count as fresh long after it was sent.
 */
export const MAX_CLOCK_SKEW_SECONDS = 300;

/** What an event says its time is, and where it says so. */
function eventTime(event: ScalingEvent): { what: string; time: string } {
  if (event.trigger === 'alarm')
    return { what: `alarm "${clipped(event.alarmName)}": its state timestamp`, time: event.stateTimestamp };
  if (event.trigger === 'batch')
    return { what: `fan-out batch ${event.batch}: its tick (at)`, time: event.at };
  return { what: 'scheduled event: its time', time: event.time };
}

/**
 * Refuses an event whose time lies more than `MAX_CLOCK_SKEW_SECONDS` ahead of `now`, naming its time and
 * the clock's; a time that is no time is left to `staleness` (it says so) or the parser.
 */
export function refuseFutureEvent(event: ScalingEvent, now: Date): void {
  const { what, time } = eventTime(event);
  const at = Date.parse(time);
  if (Number.isNaN(at) || at - now.getTime() <= MAX_CLOCK_SKEW_SECONDS * 1000) return;
  const ahead = Math.round((at - now.getTime()) / 1000);
  throw new FutureEventError(
    `${what} ${clipped(time)} is ${ahead} s ahead of this function's clock (${now.toISOString()}), more than the ${MAX_CLOCK_SKEW_SECONDS} s of clock skew tolerated: no AWS service sent it now`,
  );
}
