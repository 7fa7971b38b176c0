import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ForecastCommandError, forecastCommand, forecastTraceRows } from '../../../bin/lib/forecastCommand';

const TRACE = new URL('../../../../shared/traces/elb_request_count_8c0756.csv', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'forecast-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Runs the command and returns what it printed. */
async function run(options: Parameters<typeof forecastCommand>[2], rows = forecastTraceRows(TRACE)) {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  try {
    await forecastCommand(rows, 'elb', options);
  } finally {
    log.mockRestore();
  }
  return lines;
}

describe('scalepilot forecast', () => {
  it('from --at inside a trace: one line per hour with the peak forecast, upper and actual, and the files', async () => {
    const lines = await run({ at: '2014-04-22T00:00:00Z', quantile: '0.9', hours: '24', out });
    expect(lines[0]).toMatch(
      /^elb, from 2014-04-22T00:04:00.000Z: 24 h at 5 min from 12 days of history: .*MAE/,
    );
    expect(lines[1]).toBe('hour (UTC)\tpeak forecast\tpeak p90\tpeak actual');
    expect(lines.slice(2, 26)).toHaveLength(24);
    for (const file of ['forecast.csv', 'forecast.json', 'forecast.html', 'forecast.png'])
      expect(existsSync(join(out, file)), file).toBe(true);
    expect(readFileSync(join(out, 'forecast.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + 288);
    const html = readFileSync(join(out, 'forecast.html'), 'utf8');
    // The chart is titled with what and from when, draws the p10–p90 band, and scores what came beside it.
    expect(html).toContain('data-title="Forecast of elb from 2014-04-22 00:04 UTC, 24 h ahead"');
    expect(html).toContain('>p10–p90</text>');
    expect(html).toContain('>288 of 288 steps scored</text>');
    expect(readFileSync(join(out, 'forecast.csv'), 'utf8').split('\n')[0]).toBe(
      'timestamp,point,lower,upper,actual',
    );
  });

  it('from the trace’s end by default: the forecast starts a step after the newest row, and says from when', async () => {
    const rows = forecastTraceRows(TRACE);
    const lines = await run({ quantile: '0.9', hours: '24', json: true }, rows);
    const printed = JSON.parse(lines.join('\n'));
    const newest = rows.at(-1)?.time ?? 0;
    const step = newest - (rows.at(-2)?.time ?? 0);
    // The instant forecast from is the trace's end (it was the newest row plus a millisecond).
    expect(printed.at).toBe(new Date(newest + step).toISOString());
    expect(printed.start).toBe(newest + step);
  });

  it('under 24 hours of history: says so and why, not an error', async () => {
    const lines = await run({ at: '2014-04-10T20:00:00Z', quantile: '0.9', hours: '48' });
    expect(lines).toEqual([
      'elb: no forecast (InsufficientHistory): 20 h of history, under the 24 h a daily cycle needs: reactive only',
    ]);
  });

  it.each([
    {
      name: 'a quantile of 1',
      options: { quantile: '1', hours: '48' },
      says: '--quantile: 1 is not above 0.5 and below 1',
    },
    {
      name: 'a quantile of 0.5 (it was "not between 0.5 and 1")',
      options: { quantile: '0.5', hours: '48' },
      says: '--quantile: 0.5 is not above 0.5 and below 1',
    },
    {
      name: 'an --at before the trace (it was a declined forecast, exit 0)',
      options: { at: '2013-01-01T00:00:00Z', quantile: '0.9', hours: '48' },
      says: '--at: 2013-01-01T00:00:00.000Z is outside the history (2014-04-10T00:04:00.000Z to ',
    },
    {
      name: 'an --at after the trace',
      options: { at: '2016-01-01T00:00:00Z', quantile: '0.9', hours: '48' },
      says: '--at: 2016-01-01T00:00:00.000Z is outside the history',
    },
    {
      name: 'a horizon of 0 hours',
      options: { quantile: '0.9', hours: '0' },
      says: '--hours: 0 is not a whole number',
    },
    {
      name: 'an --at that is no time',
      options: { at: 'soon', quantile: '0.9', hours: '48' },
      says: '--at: "soon"',
    },
  ])('bad options are one-line errors: $name', async ({ options, says }) => {
    await expect(run(options)).rejects.toThrow(ForecastCommandError);
    await expect(run(options)).rejects.toThrow(says);
  });

  it('a missing trace file is a one-line error naming it', () => {
    expect(() => forecastTraceRows('no/such.csv')).toThrow(
      'forecast --trace: no/such.csv: cannot be read (no such file)',
    );
  });
});
