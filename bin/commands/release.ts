import type { Command } from 'commander';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import { awsFrom, DEFAULT_POLICY } from '../lib/cliOptions';
import { applyRelease, planRelease, releaseClients } from '../lib/release';

/** Adds `scalepilot release` to the CLI. */
export function registerRelease(program: Command): void {
  program
    .command('release')
    .argument('[file]', 'policy file (names the targets)', DEFAULT_POLICY)
    .description(
      'before `sls remove`: list what Scalepilot created (by tag) and return each target to its minimum',
    )
    .option('--yes', 'act without asking (otherwise: print the plan; on a terminal, ask)')
    .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
    .action(async (file: string, options: { yes?: boolean; endpoint?: string }) => {
      const policy = loadPolicyFile(file);
      const aws = awsFrom(options);
      const steps = await planRelease(policy, releaseClients(aws));
      for (const step of steps)
        console.log(`${step.apply ? 'will' : '    '} ${step.target}: ${step.description}`);
      const changes = steps.filter((s) => s.apply).length;
      if (changes === 0) return console.log('nothing to release: every target is at its minimum');
      let go = Boolean(options.yes);
      if (!go && process.stdin.isTTY) {
        const { createInterface } = await import('node:readline/promises');
        const prompt = createInterface({ input: process.stdin, output: process.stdout });
        go = /^y(es)?$/i.test((await prompt.question(`apply these ${changes} change(s)? [y/N] `)).trim());
        prompt.close();
      }
      if (!go) return console.log(`changed nothing (${changes} change(s) planned); run with --yes to apply`);
      const { failed } = await applyRelease(steps, (line) => console.log(line));
      if (failed > 0) process.exitCode = 1;
    });
}
