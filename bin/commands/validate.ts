import type { Command } from 'commander';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { accountChecks, accountProblems } from '../lib/accountChecks';
import { awsFrom, DEFAULT_POLICY, endpointOption } from '../lib/cliOptions';

/** Adds `scalepilot validate` to the CLI. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .argument('[file]', 'policy file', DEFAULT_POLICY)
    .description('validate a policy; exit 1 listing every problem')
    .option('--check-account', 'also check each target against the account (the SDK’s, or --endpoint)')
    .addOption(endpointOption())
    .action(async (file: string, options: { checkAccount?: boolean; endpoint?: string }) => {
      const policy = loadPolicyFile(file);
      if (options.checkAccount) {
        const aws = await awsFrom(options);
        const problems = await accountProblems(policy, accountChecks(aws));
        for (const problem of problems) console.error(`${file}: ${problem}`);
        if (problems.length > 0) {
          process.exitCode = 1;
          return;
        }
      }
      const count = policy.targets.length;
      console.log(
        `${file}: valid (${count} target${count === 1 ? '' : 's'}: ${policy.targets.map((t) => `${t.name} [${t.kind}]`).join(', ')})`,
      );
    });
}
