import { calendarDayStart, isTimeOfDay } from '../calendarTime';
import { ScalingError } from '../errors';
import { quantileOf } from '../forecast/stats';

/** One row of a metric trace. */
export interface TraceRow {
  readonly time: number; // epoch ms
  readonly value: number;
}

/** A trace on the simulator's one-minute grid (backtest.md, precise rule 1). */
export interface MinuteSeries {
  readonly start: number; // epoch ms of minute 0
  readonly load: readonly number[];
  /** The nominal step of the trace in minutes: the median interval between rows. */
  readonly stepMinutes: number;
}

/**
 * Parses `timestamp,value` CSV text; every malformed line is reported with its number and what is wrong. Lines are
 * numbered without the blank ones. One pass, a line at a time (a year of minutes is half a million lines).
 */
export function parseTraceCsv(text: string, file = 'trace.csv'): TraceRow[] {
  const rows: TraceRow[] = [];
  const problems: string[] = [];
  // Listed after every malformed line, as they always were.
  const unordered: string[] = [];
  const days = new DayCache();
  let number = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    // A line ends at `\r\n` or `\n`; a last line without one keeps its `\r`.
    const line = text.slice(start, newline > start && text.charCodeAt(newline - 1) === 13 ? end - 1 : end);
    start = end + 1;
    if (line.trim() === '') continue;
    number += 1;
    if (number === 1 && HEADER.test(line)) continue;
    const row = lineRow(line, days);
    if (typeof row === 'string') problems.push(`${file}:${number}: ${row}`);
    else {
      const prev = rows[rows.length - 1];
      if (prev && row.time <= prev.time)
        unordered.push(
          `${file}:${number}: timestamps are not strictly increasing at ${new Date(row.time).toISOString()}`,
        );
      rows.push(row);
    }
  }
  const said = firstProblems(problems.concat(unordered), file);
  if (rows.length === 0) said.push(`${file}: no rows`);
  if (said.length === 0) said.push(...spanProblems(rows, file));
  if (said.length > 0) throw new ScalingError(said.join('\n'));
  return rows;
}

/** A header line: a first line whose first field is `timestamp`. */
const HEADER = /^\s*timestamp\s*,/i;

/** The problems a trace's error lists: the first 20, and how many more (a file that is no trace has one a line). */
function firstProblems(problems: readonly string[], file: string): string[] {
  const shown = problems.slice(0, 20);
  const more = problems.length - shown.length;
  return more > 0 ? [...shown, `${file}: and ${more} more line${more === 1 ? '' : 's'} like these`] : shown;
}

/** One data line of a trace as a row, or what is wrong with it. */
function lineRow(line: string, days: DayCache): TraceRow | string {
  const comma = line.indexOf(',');
  if (comma === -1 || line.includes(',', comma + 1)) return `expected "timestamp,value", got ${quoted(line)}`;
  const ts = line.slice(0, comma);
  const value = line.slice(comma + 1);
  const time = traceTime(ts, days);
  if (time === undefined) return `${quoted(ts.trim())} is not a timestamp, in ${quoted(line)}`;
  const v = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(v))
    return `${quoted(value.trim())} is not a number, in ${quoted(line)}`;
  // A load is a count, a rate or a utilisation: below zero it is a broken export, not a quiet minute.
  if (v < 0) return `a load cannot be negative, got ${quoted(line)}`;
  return { time, value: v };
}

/** A value as a metric export writes it: decimal (Number() also read `0x10` as 16, `0b101` as 5). */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** ISO 8601 as exports write it: a date, then optionally a time (after `T` or a space) and a zone. */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A trace row's time in epoch ms, or undefined when it is no ISO 8601 time of the calendar. Without a zone it is
 * UTC, as CloudWatch, the ledger and the charts are: Date.parse read it as the machine's local time (the same
 * file shifted by the laptop's zone, and refused as out of order across a daylight-saving change), took a lone
 * number as a month of 2001 and a day past the month's end as the next month's.
 */
function traceTime(text: string, days: DayCache): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (!isTimeOfDay(h, mi, s)) return undefined;
  const day = days.start(Number(m[1]), Number(m[2]), Number(m[3]));
  if (day === undefined) return undefined;
  const ms = m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0;
  return day + ((h * 60 + mi) * 60 + s) * 1000 + ms - offsetMs(m[8]);
}

/**
 * The start of a day of the calendar in epoch ms, or undefined when there is no such day; the last day asked for
 * is kept, as a trace's rows come a day after another.
 */
class DayCache {
  private key = Number.NaN;
  private ms: number | undefined;

  start(y: number, mo: number, d: number): number | undefined {
    // Month and day are two digits each: one number names the day.
    const key = (y * 100 + mo) * 100 + d;
    if (key !== this.key) {
      this.key = key;
      this.ms = calendarDayStart(y, mo, d);
    }
    return this.ms;
  }
}

/** A zone's offset from UTC in ms: `Z` or none is 0, `+01:00` and `+0100` an hour. */
function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return (zone.startsWith('-') ? -minutes : minutes) * 60_000;
}

/** The most of a line an error quotes: a row is ~30 characters; a binary file's "line" can be megabytes. */
const QUOTED_CHARS = 80;

/**
 * Part of a file quoted in an error: in double quotes, control characters escaped (a binary file's bytes would
 * move the terminal's cursor, or break the one-line message), cut after QUOTED_CHARS with its length said.
 */
function quoted(text: string): string {
  const shown = JSON.stringify(text.slice(0, QUOTED_CHARS));
  return text.length > QUOTED_CHARS ? `${shown}… (${text.length} characters)` : shown;
}

/** The longest span a trace may cover: three years of minutes replay in seconds; a stray year would not. */
export const MAX_TRACE_DAYS = 1096;

/**
 * A trace is replayed minute by minute from its first row to its last: one row from the wrong year (an epoch-0
 * timestamp, a typo) would make decades of minutes. Refused, naming the longest gap, where the stray row sits.
 */
function spanProblems(rows: readonly TraceRow[], file: string): string[] {
  const days = ((rows[rows.length - 1] as TraceRow).time - (rows[0] as TraceRow).time) / 86_400_000;
  if (days <= MAX_TRACE_DAYS) return [];
  let gapAt = 1;
  for (let i = 2; i < rows.length; i += 1) {
    const gap = (rows[i] as TraceRow).time - (rows[i - 1] as TraceRow).time;
    if (gap > (rows[gapAt] as TraceRow).time - (rows[gapAt - 1] as TraceRow).time) gapAt = i;
  }
  const day = (row: TraceRow) => new Date(row.time).toISOString().slice(0, 10);
  const [before, after] = [rows[gapAt - 1] as TraceRow, rows[gapAt] as TraceRow];
  return [
    `${file}: spans ${Math.round(days)} days; a trace may span at most ${MAX_TRACE_DAYS} (its longest gap: ${day(before)} to ${day(after)})`,
  ];
}

/**
 * Step-holds the rows onto whole minutes from the first row's timestamp: minute m takes the last row at or
 * before t0 + m; the last row lasts one nominal step. `perIntervalCount` divides every value by the nominal
 * step (count metrics become per-minute rates), gaps included.
 */
export function toMinuteSeries(rows: readonly TraceRow[], perIntervalCount: boolean): MinuteSeries {
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (!first || !last) throw new ScalingError('empty trace');
  const intervals = rows
    .slice(1)
    .map((r, i) => r.time - (rows[i] as TraceRow).time)
    .sort((a, b) => a - b);
  const stepMs = intervals.length === 0 ? 60_000 : median(intervals);
  const stepMinutes = stepMs / 60_000;
  const minutes = Math.floor((last.time + stepMs - first.time) / 60_000);
  const load: number[] = new Array(minutes);
  let row = 0;
  for (let m = 0; m < minutes; m += 1) {
    const t = first.time + m * 60_000;
    while (row + 1 < rows.length && (rows[row + 1] as TraceRow).time <= t) row += 1;
    const value = (rows[row] as TraceRow).value;
    load[m] = perIntervalCount ? value / stepMinutes : value;
  }
  return { start: first.time, load, stepMinutes };
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Percentile with linear interpolation between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  return quantileOf(values, p);
}

/**
 * `minutes` of a series from the instant `from` (epoch ms; the first whole minute at or after it): the
 * window a replay runs. Outside the series is an error naming both.
 */
export function seriesWindow(
  series: MinuteSeries,
  from: number,
  minutes: number,
  name = 'the trace',
): MinuteSeries {
  const offset = Math.ceil((from - series.start) / 60_000);
  if (offset < 0 || offset >= series.load.length)
    throw new ScalingError(
      `${new Date(from).toISOString()} is outside ${name} (${new Date(series.start).toISOString()} + ${series.load.length} min)`,
    );
  return {
    ...series,
    start: series.start + offset * 60_000,
    load: series.load.slice(offset, offset + minutes),
  };
}
