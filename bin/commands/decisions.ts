import type { Command } from 'commander';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import {
  accountOption,
  awsFrom,
  CliUsageError,
  DEFAULT_POLICY,
  endpointOption,
  stageOption,
  wholeNumber,
} from '../lib/cliOptions';
import { deployedLedgerTable } from '../lib/deployedLedger';

/** Adds `scalepilot decisions` to the CLI. */
export function registerDecisions(program: Command): void {
  program
    .command('decisions')
    .argument('[file]', 'policy file (names the targets)', DEFAULT_POLICY)
    .description("print the newest decisions from the deployed stack's ledger table; changes nothing")
    .addOption(stageOption())
    .option('--target <name>', 'only this target')
    .option('--limit <n>', 'newest N per target', '20')
    .addOption(accountOption('the account whose records to read'))
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(
      async (
        file: string,
        options: {
          stage: string;
          target?: string;
          limit: string;
          account?: string;
          endpoint?: string;
          json?: boolean;
        },
      ) => {
        const policy = loadPolicyFile(file);
        // What the command is asked is checked before it reaches AWS.
        const targets = policy.targets.filter((t) => !options.target || t.name === options.target);
        if (targets.length === 0) throw new CliUsageError(`${file}: no target "${options.target}"`);
        const limit = wholeNumber('--limit', options.limit, 1);
        const aws = await awsFrom(options);
        const { ledger, table } = await deployedLedgerTable(aws, options, policy.targets[0]?.kind ?? 'asg');
        const rows = [];
        for (const t of targets) rows.push(...(await ledger.decisions(t.name)).slice(-limit));
        if (options.json) console.log(JSON.stringify(rows, null, 2));
        // An empty table is said, as `why` says it: silence reads as a command that did nothing.
        else if (rows.length === 0)
          console.log(
            `${options.target ? `${options.target}: ` : ''}no decision recorded yet for stage "${options.stage}" (ledger table "${table}"; it keeps 30 days; has the stack run?)`,
          );
        else
          for (const d of rows)
            console.log(
              [
                d.at,
                d.target,
                `${d.current} → ${d.desired}`,
                d.reason,
                d.alarmName ?? d.trigger,
                d.message,
              ].join('\t'),
            );
      },
    );
}
