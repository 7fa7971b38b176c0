import type { Command } from 'commander';
import { ScalingError } from '../../shared/errors';
import { cloudWatchRows, type HistorySourceOptions, withHistorySource } from '../lib/cliOptions';
import { type TuneCommandOptions, tuneCommand, tuneTraceRows } from '../lib/tuneCommand';

/** Adds `scalepilot tune` to the CLI. */
export function registerTune(program: Command): void {
  withHistorySource(
    program
      .command('tune')
      .description(
        "search a target's knobs on the first part of its history, validate on the rest; print the change as YAML",
      ),
  )
    .option('--kind <kind>', 'asg | rds-replicas | cache-shards', 'asg')
    .option(
      '--policy <file>',
      "tune this policy's target of the kind (its range, warm-up, rules, predictive)",
    )
    .option('--target <name>', 'with --policy: the target to tune when the policy has several of the kind')
    .option('--per-interval-count', 'the values are counts per row interval: divide by the step')
    .option('--json', 'print the result as JSON')
    .action(async (options: TuneCommandOptions & HistorySourceOptions) => {
      try {
        const rows = options.cloudwatch
          ? await cloudWatchRows(options, 'tune')
          : tuneTraceRows(options.trace);
        const source = options.cloudwatch
          ? `${options.namespace}/${options.metric}`
          : (options.trace as string);
        tuneCommand(rows, source, options);
      } catch (error) {
        if (!(error instanceof ScalingError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      }
    });
}
