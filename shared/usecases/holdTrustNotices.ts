import { ScalingError } from '../errors';
import type { ForecastNotifier, TrustChange } from '../ports';
import { rollUp } from './rollUp';

/**
 * A predict run's trust notices, held until the run ends (`flush`): then, where `ROLL_UP_AT` or more targets'
 * forecasts went the same way (an event that moved the whole fleet's load), one message for them (200 targets a
 * message), each of the others alone, in the order they came. Without a notifier, nothing to hold.
 */
export function holdTrustNotices(inner: ForecastNotifier | undefined): {
  readonly notifier?: ForecastNotifier;
  flush(): Promise<void>;
} {
  if (!inner) return { flush: async () => {} };
  const held: TrustChange[] = [];
  const notifier: ForecastNotifier = {
    trustChanged: async (target, trusted, message, at) => {
      held.push({ target, trusted, message, at });
    },
  };
  const flush = async () => {
    const changes = held.splice(0);
    const many = inner.trustChangedMany?.bind(inner);
    const { single, together } = rollUp(changes, (c) => (many ? String(c.trusted) : undefined));
    // Every send is tried: one the channel refuses does not leave the others untold. The untold are named.
    const untold: { targets: string[]; error: unknown }[] = [];
    const send = (targets: string[], telling: () => Promise<void>) =>
      telling().catch((error: unknown) => void untold.push({ targets, error }));
    for (const c of single)
      await send([c.target], () => inner.trustChanged(c.target, c.trusted, c.message, c.at));
    for (const part of together)
      await send(
        part.map((c) => c.target),
        async () => many?.(part),
      );
    if (untold.length > 0)
      throw new ScalingError(
        `trust notices not sent for ${untold.flatMap((u) => u.targets).join(', ')}: ${untold.map((u) => (u.error instanceof Error ? u.error.message : String(u.error))).join('; ')}`,
        { cause: untold.map((u) => u.error) },
      );
  };
  return { notifier, flush };
}
