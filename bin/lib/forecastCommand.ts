import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ScalingError } from '../../shared/errors';
import { forecastLoad } from '../../shared/forecast/forecastLoad';
import { forecastTime, type LoadForecast, type LoadHistory } from '../../shared/forecast/types';
import { formatNumber } from '../../shared/report/chartWindow';
import { forecastAccuracy, forecastChart, pointsAt, pointsFrom } from '../../shared/report/forecastChart';
import { escapeHtml, htmlPage, htmlTable } from '../../shared/report/page';
import { pngFromSvg } from '../../shared/report/render';
import { parseTraceCsv, type TraceRow } from '../../shared/simulate/trace';
import { readOptionFile } from './cliOptions';
import { utcTime } from './utcTime';

const DAY = 86_400_000;

export interface ForecastCommandOptions {
  /**
   * Forecast from this instant (ISO 8601, `YYYY-MM-DD HH:MM` or `HH:MM`; UTC unless it names a zone), seeing only
   * the 14 days before it; default: after the newest row.
   */
  readonly at?: string;
  readonly quantile: string;
  readonly hours: string;
  readonly out?: string;
  readonly json?: boolean;
  /** The load's unit for the chart's axis and figures, e.g. `requests/min`. */
  readonly loadUnit?: string;
}

/** A usage problem of `scalepilot forecast`: printed as one line, exit 1. */
export class ForecastCommandError extends ScalingError {}

/** The rows of a trace file, or a one-line error naming the file. */
export function forecastTraceRows(file: string | undefined): TraceRow[] {
  if (!file) throw new ForecastCommandError('forecast: give --trace FILE or --cloudwatch');
  return parseTraceCsv(readOptionFile('forecast --trace', file), file);
}

/**
 * `scalepilot forecast`: the forecast the predict function would make from these rows, printed per hour (the
 * peak of each hour), and with `--out` written as CSV, JSON, an HTML page and a PNG
 * chart. When `--at` leaves rows after it, they are shown as what actually happened, and the forecast is scored.
 */
export async function forecastCommand(
  rows: readonly TraceRow[],
  source: string,
  o: ForecastCommandOptions,
  now = new Date(),
): Promise<void> {
  const { quantile, hours, at } = forecastSettings(rows, o, now);
  const history = between(rows, at - 14 * DAY, at);
  const actual = between(rows, at, at + hours * 3_600_000);
  const f = forecastLoad(history, { quantile, horizonMinutes: hours * 60 });
  if (o.json) console.log(JSON.stringify({ source, at: new Date(at).toISOString(), ...f }, null, 2));
  if (f.status === 'declined') {
    // Not a failure: with too little history the predict function stays reactive for this target.
    if (!o.json) console.log(`${source}: no forecast (${f.reason}): ${f.message}`);
    return;
  }
  const label = `p${Math.round(quantile * 100)}`;
  const actualAt = new Map(actual.times.map((t, i) => [t, actual.values[i] as number]));
  const { head, table } = hourlyTable(f, actual, actualAt, label);
  const score =
    actual.times.length > 0 ? scored(f.point, f.upper, f.start, f.stepMinutes, actual) : undefined;
  const summary = `${source}, from ${new Date(f.start).toISOString()}: ${f.message}${score ? `; against what came: ${score}` : ''}`;
  if (!o.json) {
    console.log(summary);
    for (const line of [head, ...table]) console.log(line.join('\t'));
  }
  if (!o.out) return;
  const shown = { source, at, f, history, actual, actualAt, label, summary, head, table };
  await writeForecastFiles(o.out, shown, o, hours);
}

/**
 * The command's numbers, checked before any history is read (a typo costs no CloudWatch request): the quantile,
 * the hours ahead, and the instant `--at` names (`now` reads `HH:MM`).
 */
export function forecastNumbers(
  o: ForecastCommandOptions,
  now: Date,
): { quantile: number; hours: number; at?: number } {
  const quantile = Number(o.quantile);
  if (!(quantile > 0.5 && quantile < 1))
    throw new ForecastCommandError(`--quantile: ${o.quantile} is not above 0.5 and below 1`);
  // Decimal digits only: Number() reads `0x10` as 16.
  const hours = /^\d+$/.test(o.hours) ? Number(o.hours) : Number.NaN;
  if (!(Number.isInteger(hours) && hours >= 1 && hours <= 168))
    throw new ForecastCommandError(`--hours: ${o.hours} is not a whole number of hours from 1 to 168`);
  return o.at === undefined
    ? { quantile, hours }
    : { quantile, hours, at: utcTime('--at', o.at, now, ForecastCommandError).time };
}

/** The command's numbers, and the instant to forecast from: `--at`, inside the rows, or where they end. */
function forecastSettings(
  rows: readonly TraceRow[],
  o: ForecastCommandOptions,
  now: Date,
): { quantile: number; hours: number; at: number } {
  const numbers = forecastNumbers(o, now);
  const { first, end } = traceSpan(rows);
  const at = numbers.at ?? end;
  const { quantile, hours } = numbers;
  // A forecast from outside the rows has no history before it: said as such, not as a declined forecast.
  if (at <= first || at > end)
    throw new ForecastCommandError(
      `--at: ${new Date(at).toISOString()} is outside the history (${new Date(first).toISOString()} to ${new Date(end).toISOString()})`,
    );
  return { quantile, hours, at };
}

/**
 * The rows' first instant and their end: the newest row's time plus one step (the interval before it), when
 * the next row would have come. The default `--at`: the forecast starts where the history stops.
 */
function traceSpan(rows: readonly TraceRow[]): { first: number; end: number } {
  const first = rows[0]?.time ?? 0;
  const newest = rows.at(-1)?.time ?? 0;
  const before = rows.at(-2)?.time;
  return { first, end: newest + (before === undefined ? 60_000 : newest - before) };
}

/** Per hour: the peak of the forecast, of its upper quantile (`label`) and, where rows came, of the actual load. */
function hourlyTable(
  f: LoadForecast,
  actual: LoadHistory,
  actualAt: ReadonlyMap<number, number>,
  label: string,
): { head: string[]; table: string[][] } {
  const perHour = 60 / f.stepMinutes;
  const table: string[][] = [];
  for (let h = 0; h * perHour < f.point.length; h += 1) {
    const steps = Array.from({ length: perHour }, (_, k) => h * perHour + k).filter(
      (i) => i < f.point.length,
    );
    const seen = actual.times.filter(
      (t) => t >= forecastTime(f, h * perHour) && t < forecastTime(f, h * perHour + perHour),
    );
    table.push([
      new Date(forecastTime(f, h * perHour)).toISOString().slice(0, 16).replace('T', ' '),
      formatNumber(Math.max(...steps.map((i) => f.point[i] as number))),
      formatNumber(Math.max(...steps.map((i) => f.upper[i] as number))),
      ...(actual.times.length > 0
        ? [seen.length > 0 ? formatNumber(Math.max(...seen.map((t) => actualAt.get(t) as number))) : '']
        : []),
    ]);
  }
  const head = [
    'hour (UTC)',
    'peak forecast',
    `peak ${label}`,
    ...(actual.times.length > 0 ? ['peak actual'] : []),
  ];
  return { head, table };
}

/** `--out`: the forecast as CSV and JSON, and its chart as an HTML page (with the hourly table) and a PNG. */
async function writeForecastFiles(
  out: string,
  r: {
    source: string;
    /** The instant forecast from. */
    at: number;
    f: LoadForecast;
    history: LoadHistory;
    actual: LoadHistory;
    /** The actual load by time (the rows after the forecast's start). */
    actualAt: ReadonlyMap<number, number>;
    /** The upper quantile's label, e.g. p90. */
    label: string;
    summary: string;
    head: string[];
    table: string[][];
  },
  o: ForecastCommandOptions,
  hours: number,
): Promise<void> {
  const { source, at, f, history, actual, actualAt, label } = r;
  mkdirSync(out, { recursive: true });
  const csv = ['timestamp,point,lower,upper,actual'];
  f.point.forEach((p, i) => {
    const t = forecastTime(f, i);
    csv.push(
      `${new Date(t).toISOString()},${p},${f.lower?.[i] ?? ''},${f.upper[i]},${actualAt.get(t) ?? ''}`,
    );
  });
  writeFileSync(join(out, 'forecast.csv'), `${csv.join('\n')}\n`);
  writeFileSync(
    join(out, 'forecast.json'),
    `${JSON.stringify({ source, at: new Date(at).toISOString(), ...f }, null, 2)}\n`,
  );
  const name = basename(source);
  const unit = o.loadUnit ?? 'as recorded';
  const points = pointsFrom(f.start, f.stepMinutes, f.point);
  const lower = f.lower ? pointsFrom(f.start, f.stepMinutes, f.lower) : undefined;
  const upper = pointsFrom(f.start, f.stepMinutes, f.upper);
  const bandLabel = lower ? `p${Math.round((1 - f.quantile) * 100)}–${label}` : `forecast to ${label}`;
  const came = pointsAt(actual.times, actual.values);
  const band = { ...(lower ? { lower } : {}), upper, bandLabel };
  const chart = await forecastChart({
    title: `Forecast of ${name} from ${new Date(f.start).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${hours} h ahead`,
    subtitle: f.message,
    valueLabel: `load (${unit})`,
    history: pointsAt(history.times, history.values),
    forecast: points,
    ...band,
    ...(came.length > 0 ? { actual: came } : {}),
    figures: forecastAccuracy({ forecast: points, ...band, actual: came, unit }),
  });
  writeFileSync(
    join(out, 'forecast.html'),
    htmlPage(`Forecast: ${name}`, [
      { html: `<p>${escapeHtml(r.summary)}</p>`, charts: [chart] },
      { heading: 'Per hour', html: htmlTable(r.head, r.table) },
    ]),
  );
  writeFileSync(join(out, 'forecast.png'), pngFromSvg(chart));
  console.log(`wrote ${join(out, 'forecast.{csv,json,html,png}')}`);
}

function between(rows: readonly TraceRow[], from: number, to: number): LoadHistory {
  const inside = rows.filter((r) => r.time >= from && r.time < to);
  return { times: inside.map((r) => r.time), values: inside.map((r) => r.value) };
}

/** Mean absolute error of the forecast against the rows that came, and the share at or below the upper. */
function scored(
  point: readonly number[],
  upper: readonly number[],
  start: number,
  stepMinutes: number,
  actual: LoadHistory,
): string {
  let error = 0;
  let covered = 0;
  let count = 0;
  actual.times.forEach((t, k) => {
    const i = Math.round((t - start) / (stepMinutes * 60_000));
    const p = point[i];
    const u = upper[i];
    if (p === undefined || u === undefined) return;
    const v = actual.values[k] as number;
    error += Math.abs(v - p);
    if (v <= u) covered += 1;
    count += 1;
  });
  return count === 0
    ? 'nothing to score'
    : `MAE ${formatNumber(error / count)}, ${Math.round((covered / count) * 100)}% at or below the upper quantile`;
}
