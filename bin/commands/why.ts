import { type Command, Option } from 'commander';
import { ScalingError } from '../../shared/errors';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import {
  accountOption,
  awsFrom,
  DEFAULT_POLICY,
  endpointOption,
  stageOption,
  tableName,
} from '../lib/cliOptions';
import { deployedLedger } from '../lib/deployedLedger';
import { WhyCommandError, whyCommand, whyQuery } from '../lib/whyCommand';

/** Adds `scalepilot why` to the CLI. */
export function registerWhy(program: Command): void {
  program
    .command('why')
    .argument('[file]', 'policy file (names the targets)', DEFAULT_POLICY)
    .description(
      "explain a target's decisions from the ledger: old → new, reason, the metrics and thresholds, the floor, the gates that held it, what AWS answered",
    )
    .requiredOption('--target <name>', 'the target')
    .option(
      '--at <time>',
      'the decisions in force then: of that minute (ISO 8601, "YYYY-MM-DD HH:MM" or HH:MM; UTC)',
    )
    .option('--last <n>', 'the newest N decisions (with --at: the N up to then); default 5')
    .addOption(stageOption())
    .addOption(
      // One or the other: with both, the table was read and the stage silently not.
      new Option('--table <name>', "ledger table, instead of --stage's (default: the deployed stack's)")
        .argParser(tableName)
        .conflicts('stage'),
    )
    .addOption(accountOption('the account whose records to read'))
    .addOption(endpointOption())
    .option('--json', 'print the decisions as JSON, explanations included')
    .action(
      async (
        file: string,
        options: {
          target: string;
          at?: string;
          last?: string;
          stage: string;
          table?: string;
          account?: string;
          endpoint?: string;
          json?: boolean;
        },
      ) => {
        try {
          const policy = loadPolicyFile(file);
          const target = policy.targets.find((t) => t.name === options.target);
          if (!target)
            throw new WhyCommandError(
              `${file}: no target "${options.target}" (targets: ${policy.targets.map((t) => t.name).join(', ')})`,
            );
          // --at and --last are read before AWS is called: a typo costs no request.
          const now = new Date();
          const query = whyQuery(options, now);
          const aws = await awsFrom(options);
          const ledger = await deployedLedger(aws, options, target.kind);
          for (const line of await whyCommand(ledger, target.name, options, now, query)) console.log(line);
        } catch (error) {
          if (!(error instanceof ScalingError)) throw error;
          console.error(error.message);
          process.exitCode = 1;
        }
      },
    );
}
