import type { DecisionLogEntry } from '../../shared/adapters/DynamoLedger';
import type { DecisionExplanation } from '../../shared/decision/types';
import { ScalingError } from '../../shared/errors';
import { wholeNumber } from './cliOptions';
import { utcTime } from './utcTime';

/** With `--at` alone, at most this many decisions of the minute in force are shown. */
const SAME_MINUTE_AT_MOST = 10;

/** A usage problem of `scalepilot why` (an unknown target, a time it cannot read): one line, exit 1. */
export class WhyCommandError extends ScalingError {}

/** The ledger's decision log, newest first up to a time: what `why` reads (DynamoLedger.latestDecisions). */
export interface DecisionLog {
  latestDecisions(target: string, limit: number, atOrBefore?: Date): Promise<DecisionLogEntry[]>;
}

export interface WhyOptions {
  /** The time to explain: the decision in force then (ISO 8601, `YYYY-MM-DD HH:MM` or `HH:MM`, UTC unless a zone is given). */
  readonly at?: string;
  /** How many decisions (with `at`: the last N up to it); default: with `at`, those of its minute; else 5. */
  readonly last?: string;
  readonly json?: boolean;
}

/**
 * `scalepilot why`: a target's decisions from the ledger, each with its time, old → new, reason code and
 * message, the rule inputs (metric values and thresholds), the floor and what made it, the gates that held it,
 * and what AWS answered. Returns the lines to print (JSON under `json`).
 */
export async function whyCommand(
  log: DecisionLog,
  target: string,
  options: WhyOptions,
  now: Date,
  { at, last }: { at?: Date; last: number } = whyQuery(options, now),
): Promise<string[]> {
  const read = await log.latestDecisions(target, last, at);
  // --at alone: the decisions of the minute in force then (an alarm and the schedule can both decide in it).
  const minuteOf = (entry: DecisionLogEntry) => entry.at.slice(0, 16);
  const newestMinute = read.length > 0 ? minuteOf(read[read.length - 1] as DecisionLogEntry) : '';
  const entries = at && options.last === undefined ? read.filter((e) => minuteOf(e) === newestMinute) : read;
  if (options.json) return [JSON.stringify(entries.map(withoutKeys), null, 2)];
  if (entries.length === 0)
    return [
      at
        ? `${target}: no decision recorded at or before ${at.toISOString()} (the ledger keeps 30 days)`
        : `${target}: no decision recorded (the ledger keeps 30 days; has the stack run?)`,
    ];
  const lines: string[] = [];
  const newest = entries[entries.length - 1] as DecisionLogEntry;
  if (at && at.getTime() - Date.parse(newest.at) > 5 * 60_000)
    lines.push(
      `${target}: nothing was recorded in the ${Math.round((at.getTime() - Date.parse(newest.at)) / 60_000)} minutes before ${at.toISOString()}; the decision in force then:`,
    );
  for (const entry of entries) lines.push(...whyLines(entry), '');
  return lines.slice(0, -1);
}

/** The minute `--at` names (none: the newest) and how many decisions `--last` reads, or one line saying why not. */
export function whyQuery(options: Pick<WhyOptions, 'at' | 'last'>, now: Date): { at?: Date; last: number } {
  const at = options.at === undefined ? undefined : parseAt(options.at, now);
  const last =
    options.last === undefined
      ? at
        ? SAME_MINUTE_AT_MOST
        : 5
      : wholeNumber('--last', options.last, 1, 1000);
  return at ? { at, last } : { last };
}

/**
 * A time to explain, read as every `--at` is (utcTime: UTC unless it names a zone; `HH:MM` is the most recent such
 * minute). Given to the minute, it means the whole minute: "at 14:05" includes what 14:05's evaluation recorded a
 * few seconds in.
 */
export function parseAt(text: string, now: Date): Date {
  const { time, toTheMinute } = utcTime('--at', text, now, WhyCommandError);
  return new Date(time + (toTheMinute ? 59_999 : 0));
}

/** How each trigger reads in `via …` (an alarm is named instead). */
const TRIGGER_WORDS: Partial<Record<DecisionLogEntry['trigger'], string>> = {
  schedule: 'one-minute schedule',
  forecast: 'hourly forecast run',
};

/** One decision as an operator reads it after an incident. */
export function whyLines(entry: DecisionLogEntry): string[] {
  const via = entry.alarmName
    ? `alarm ${entry.alarmName}`
    : `the ${TRIGGER_WORDS[entry.trigger] ?? entry.trigger}`;
  const change =
    entry.desired === entry.current ? `${entry.current}, no change` : `${entry.current} → ${entry.desired}`;
  const state = entry.dryRun
    ? ' (dry run: nothing changed)'
    : entry.desired !== entry.current && !entry.applied
      ? ' (not applied)'
      : '';
  const lines = [
    `${entry.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${entry.target}  ${change}  ${entry.reason}${state}  via ${via}`,
    `  ${entry.message}`,
  ];
  const x = entry.explain;
  if (!x) {
    const read = Object.entries(entry.metrics ?? {}).map(
      ([rule, v]) => `${rule} ${v === null ? 'missing' : v}`,
    );
    lines.push(
      `  no explanation recorded: the function that wrote this did not record its rules' thresholds, floor, gates and AWS answer${read.length > 0 ? `; the metric values it read: ${read.join(', ')}` : ''}`,
    );
    return lines;
  }
  return [...lines, ...explanationLines(x)];
}

function explanationLines(x: DecisionExplanation): string[] {
  const lines: string[] = [];
  for (const r of x.rules) {
    const value = r.value === null ? 'missing or stale' : String(r.value);
    const against = r.threshold === undefined ? '' : ` against ${r.threshold}`;
    const wants =
      r.recommendation === undefined ? '' : ` → ${r.recommendation}${r.direction ? ` (${r.direction})` : ''}`;
    lines.push(`  rule ${r.rule}: ${r.metric} = ${value}${against}${wants}`);
  }
  if (x.floor) {
    const made = [
      x.floor.forecast === undefined ? undefined : `forecast ${x.floor.forecast}`,
      x.floor.headroom === undefined ? undefined : `× headroom ${x.floor.headroom}`,
      x.floor.event === undefined ? undefined : `event ${x.floor.event}`,
    ].filter(Boolean);
    lines.push(
      `  floor: ${x.floor.units} from ${x.floor.source}${made.length > 0 ? ` (${made.join(' ')})` : ''}`,
    );
  }
  for (const g of x.gates)
    lines.push(
      `  ${g.outcome === 'held' ? 'held by' : 'passed'} ${g.gate}${g.reason ? ` (${g.reason})` : ''}: ${g.message}`,
    );
  if (x.aws)
    lines.push(
      `  AWS: ${x.aws.operation} ${x.aws.outcome === 'ok' ? 'ok' : 'failed'}${x.aws.message ? `: ${x.aws.message}` : ''}`,
    );
  return lines;
}

/** A log entry as the tools read it: without the table's own keys. */
function withoutKeys(entry: DecisionLogEntry): DecisionLogEntry {
  const { pk: _pk, sk: _sk, ttl: _ttl, ...rest } = entry as DecisionLogEntry & Record<string, unknown>;
  return rest as DecisionLogEntry;
}
