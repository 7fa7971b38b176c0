import type { Command } from 'commander';
import { AutoScalingScheduledActions } from '../../shared/adapters/AutoScalingScheduledActions';
import { CloudWatchMetricHistory } from '../../shared/adapters/CloudWatchMetricHistory';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import {
  accountOption,
  awsFrom,
  CliUsageError,
  DEFAULT_POLICY,
  endpointOption,
  tableName,
} from '../lib/cliOptions';
import { deployedLedger } from '../lib/deployedLedger';
import { formatPredictPreview, predictPreview } from '../lib/predictCommand';

/** Adds `scalepilot predict` to the CLI. */
export function registerPredict(program: Command): void {
  program
    .command('predict')
    .argument('[file]', 'policy file', DEFAULT_POLICY)
    .description(
      'print, per predictive target, what the predict function would do now: forecast, units needed, floors, scheduled actions; changes nothing',
    )
    .option('--target <name>', 'only this target')
    .option(
      '--table <name>',
      "ledger table (for the trust scores and plan members' learned lead times); default: none, as if never scored",
      tableName,
    )
    .addOption(accountOption('with --table: the account whose records to read'))
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        options: { target?: string; table?: string; account?: string; endpoint?: string; json?: boolean },
      ) => {
        const policy = loadPolicyFile(file);
        // Without a ledger to read, the account's records are not read: the option would do nothing.
        if (options.account !== undefined && options.table === undefined)
          throw new CliUsageError(
            '--account names whose records the ledger is read for: give --table with it',
          );
        const aws = await awsFrom(options);
        const now = new Date();
        const previews = await predictPreview({
          policy,
          history: new CloudWatchMetricHistory(aws),
          groups: // A preview: it reads the groups and changes nothing; the owner tag's value does not matter.
            new AutoScalingScheduledActions(aws, 'preview'),
          // A table that does not exist is refused in one line naming it (every read of it would fail, unnamed).
          ...(options.table
            ? {
                ledger: await deployedLedger(
                  aws,
                  {
                    stage: '',
                    table: options.table,
                    ...(options.account ? { account: options.account } : {}),
                  },
                  'asg',
                ),
              }
            : {}),
          clock: { now: () => now },
          log: { info: () => {}, warn: (m) => console.error(m), error: (m) => console.error(m) },
          ...(options.target ? { targets: [options.target] } : {}),
        });
        if (previews.length === 0) console.log(`${file}: predictive scaling is off (predictive.enabled)`);
        else if (options.json) console.log(JSON.stringify(previews, null, 2));
        else console.log(formatPredictPreview(previews, now));
      },
    );
}
