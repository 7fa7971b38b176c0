import { clipped, MalformedEventError } from '../errors';
import type { ScheduleTick } from '../events/parseScalingEvent';
import type { ScalerRuntime } from './createScalerHandler';

/**
 * A scheduled event must be this function's schedule's: EventBridge stamps the account and region of the rule
 * that fired, and the function's invoke permission admits only its own rule. One naming another account or region
 * was sent by hand (an Invoke with a copied event): refused before anything is read, as a batch from another
 * queue is, rather than taken as a tick.
 */
export function checkSchedule(runtime: Pick<ScalerRuntime, 'account' | 'region'>, tick: ScheduleTick): void {
  const foreign = [
    tick.account !== undefined && tick.account !== runtime.account
      ? `account ${clipped(tick.account)} (this function's: ${runtime.account})`
      : undefined,
    tick.region !== undefined && tick.region !== runtime.region
      ? `region ${clipped(tick.region)} (this function's: ${runtime.region})`
      : undefined,
  ].filter((part) => part !== undefined);
  if (foreign.length > 0)
    throw new MalformedEventError(
      `scheduled event of ${foreign.join(', ')}: not this function's schedule, whose rule fires in its own account and region`,
    );
}
