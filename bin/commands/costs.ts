import type { Command } from 'commander';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import {
  awsFrom,
  CliUsageError,
  DEFAULT_POLICY,
  endpointOption,
  stageOption,
  wholeNumber,
} from '../lib/cliOptions';
import { costsLines, costsReport } from '../lib/costsCommand';

/** Adds `scalepilot costs` to the CLI. */
export function registerCosts(program: Command): void {
  program
    .command('costs')
    .argument('[file]', 'policy file', DEFAULT_POLICY)
    .description(
      'print the cost check of the last N complete days, and the month-end forecast; sends nothing; needs the deployed stack',
    )
    .option('--days <n>', 'how many complete days', '7')
    .addOption(stageOption('stage the stack was deployed with (its ledger has the scaling decisions)'))
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(async (file: string, options: CostsOptions) => {
      const policy = loadPolicyFile(file);
      const cost = policy.cost;
      if (!cost) throw new CliUsageError(`${file}: no cost section`);
      const days = wholeNumber('--days', options.days, 1, 365);
      const aws = await awsFrom(options);
      const report = await costsReport(policy, cost, { aws, stage: options.stage, days, now: new Date() });
      if (options.json) console.log(JSON.stringify(report, null, 2));
      else for (const line of costsLines(cost, report)) console.log(line);
      // The daily rows stand; the run failed all the same, as the cost function's does when its forecast
      // read fails (it throws, and Lambda retries it).
      if (report.forecastError) {
        console.error(`month-end forecast not read: ${report.forecastError}`);
        process.exitCode = 1;
      }
    });
}

interface CostsOptions {
  days: string;
  stage: string;
  endpoint?: string;
  json?: boolean;
}
