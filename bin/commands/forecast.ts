import type { Command } from 'commander';
import { ScalingError } from '../../shared/errors';
import { cloudWatchRows, type HistorySourceOptions, outFolder, withHistorySource } from '../lib/cliOptions';
import {
  type ForecastCommandOptions,
  forecastCommand,
  forecastNumbers,
  forecastTraceRows,
} from '../lib/forecastCommand';

/** Adds `scalepilot forecast` to the CLI. */
export function registerForecast(program: Command): void {
  withHistorySource(
    program
      .command('forecast')
      .description("forecast a load 48 h ahead, as the predict function would; prints each hour's peak"),
  )
    .option(
      '--at <time>',
      'forecast from this time (ISO 8601, "YYYY-MM-DD HH:MM" or HH:MM; UTC), from the 14 days before it (default: the history\'s end)',
    )
    .option('--quantile <q>', 'the upper quantile', '0.9')
    .option('--hours <n>', 'how far ahead', '48')
    .option('--out <dir>', 'write forecast.csv, forecast.json, forecast.html and forecast.png (chart) here')
    .option('--load-unit <unit>', "the load's unit for the chart's axis and figures, e.g. requests/min")
    .option('--json', 'print the forecast as JSON')
    .action(async (options: ForecastCommandOptions & HistorySourceOptions) => {
      try {
        if (options.out) outFolder('--out', options.out);
        const now = new Date();
        forecastNumbers(options, now);
        const rows = options.cloudwatch
          ? await cloudWatchRows(options, 'forecast')
          : forecastTraceRows(options.trace);
        const source = options.cloudwatch
          ? `${options.namespace}/${options.metric}`
          : (options.trace as string);
        await forecastCommand(rows, source, options, now);
      } catch (error) {
        if (!(error instanceof ScalingError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      }
    });
}
