import type { ScalingError } from '../../shared/errors';
import { CliUsageError } from './cliOptions';

/** An instant an option names, and whether it was given to the minute (no seconds: `why` reads the whole minute). */
export interface UtcTime {
  readonly time: number;
  readonly toTheMinute: boolean;
}

/**
 * The time an option (`why --at`, `forecast --at`) gives, in UTC unless it names a zone: ISO 8601,
 * `YYYY-MM-DD HH:MM[:SS]`, or `HH:MM` (the most recent such minute at `now`). JavaScript's Date.parse reads a
 * date and time without a zone as the machine's local time, so the same `--at` named another instant on a laptop
 * in Berlin than in CI; the ledger, the charts and CloudWatch are all in UTC. A text that is no time is refused
 * as the command's own usage error (`Refusal`).
 */
export function utcTime(
  option: string,
  text: string,
  now: Date,
  Refusal: new (message: string) => ScalingError = CliUsageError,
): UtcTime {
  const refused = () =>
    new Refusal(
      `${option}: "${text}" is not a time (give e.g. 2026-01-02T14:05Z, "2026-01-02 14:05" or 14:05, UTC)`,
    );
  const clock = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (clock) {
    const [hours, minutes] = [Number(clock[1]), Number(clock[2])];
    if (hours > 23 || minutes > 59) throw new Refusal(`${option}: "${text}" is not a time of day`);
    const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hours, minutes);
    return { time: day > now.getTime() ? day - 86_400_000 : day, toTheMinute: true };
  }
  const iso = text.trim().replace(' ', 'T');
  const zoned = /(Z|[+-]\d\d:?\d\d)$/i.test(iso) ? iso : `${iso}Z`;
  const time = Date.parse(zoned);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) || !Number.isFinite(time) || !dayExists(iso)) throw refused();
  return { time, toTheMinute: /^\d{4}-\d\d-\d\dT\d\d:\d\d(Z|[+-]\d\d:?\d\d)?$/i.test(iso) };
}

/**
 * Whether a time's date (its leading YYYY-MM-DD, if it has one) is a day of the calendar. Date.parse rolls a day
 * that is not one over (`2026-02-30` is March 2), so a typo read another day.
 */
function dayExists(time: string): boolean {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(time.trim());
  if (!date) return true;
  const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}
