import type { TraceRow } from '../simulate/trace';

/** The longest gap between two rows a replay may hold its last value over: a quarter of a day. */
export const MAX_GAP_MINUTES = 360;

/**
 * Why a history cannot be tuned on as it is, beyond its length: a gap longer than MAX_GAP_MINUTES (the replay
 * would hold the value before it all along, and a span of days could be mostly such held values: 12 hours of
 * data and one row three days on were tuned, every goal "met"), or a load that never changes (every setting
 * meets every goal on it). Undefined when it can be. `rows` in time order. `gaps: false` for a CloudWatch
 * history, where a quiet metric publishes nothing for hours and the gap is the operator's normal night.
 */
export function historyProblem(
  rows: readonly TraceRow[],
  { gaps = true }: { readonly gaps?: boolean } = {},
): string | undefined {
  let gap = { minutes: 0, from: 0 };
  for (let i = 1; i < rows.length; i += 1) {
    const minutes = ((rows[i] as TraceRow).time - (rows[i - 1] as TraceRow).time) / 60_000;
    if (minutes > gap.minutes) gap = { minutes, from: (rows[i - 1] as TraceRow).time };
  }
  if (gaps && gap.minutes > MAX_GAP_MINUTES)
    return `the history has no data for ${(gap.minutes / 60).toFixed(1)} h after ${new Date(gap.from).toISOString()} (at most ${MAX_GAP_MINUTES / 60} h): a replay would hold the value before it throughout; give a history without such a gap`;
  const first = rows[0]?.value;
  if (rows.length > 0 && rows.every((r) => r.value === first))
    return `the load is ${first} throughout: every setting would meet every goal on it, so none is recommended`;
  return undefined;
}
