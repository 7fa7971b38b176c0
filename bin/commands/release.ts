import type { Command } from 'commander';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import {
  accountOption,
  awsFrom,
  DEFAULT_POLICY,
  endpointOption,
  stageOption,
  tableName,
} from '../lib/cliOptions';
import { deployedLedger, LedgerTableNotFoundError } from '../lib/deployedLedger';
import { setPaused } from '../lib/killSwitch';
import { applyRelease, planRelease, ReleaseInterruptedError, releasePorts } from '../lib/release';

interface ReleaseOptions {
  stage: string;
  table?: string;
  account?: string;
  yes?: boolean;
  dryRun?: boolean;
  endpoint?: string;
}

/** Adds `scalepilot release` to the CLI. */
export function registerRelease(program: Command): void {
  program
    .command('release')
    .argument('[file]', 'policy file (names the targets)', DEFAULT_POLICY)
    .description(
      'before `sls remove`: pause the stage, then return each target to its minimum (what Scalepilot created, by tag), step by step',
    )
    .addOption(stageOption())
    .option('--table <name>', "the ledger table (default: the deployed functions' own)", tableName)
    .addOption(accountOption('the account whose leases to wait for'))
    .option('--dry-run', 'print every step and change nothing (the stage is not paused either)')
    .option(
      '--yes',
      'act without asking (otherwise: print the plan; on a terminal, ask; not confirmed: change nothing, exit 1)',
    )
    .addOption(endpointOption())
    .action(release);
}

/** Prints the plan; unless a dry run, asks, pauses the stage (even with nothing to change) and applies it step by step. */
async function release(file: string, options: ReleaseOptions): Promise<void> {
  const policy = loadPolicyFile(file);
  const aws = await awsFrom(options);
  const kind = policy.targets[0]?.kind ?? 'asg';
  // The plan reads the ledger for a cache's shards AWS kept; one it cannot find is said, and the plan goes on.
  const found = await deployedLedger(aws, options, kind).catch((error: unknown) => {
    // A table --table names that is not there is a typo: refused, as every command that takes --table does.
    if (options.table !== undefined && error instanceof LedgerTableNotFoundError) throw error;
    console.log(
      `ledger not found (${error instanceof Error ? error.message : String(error)}): cache shards chosen without the ones AWS kept on a scale-in`,
    );
    return undefined;
  });
  const ports = { ...releasePorts(aws, options.stage), ...(found ? { ledger: found } : {}) };
  const steps = await planRelease(policy, ports);
  for (const step of steps)
    console.log(
      `${step.refused ? 'REFUSED' : step.apply ? 'will' : '    '} ${step.target}: ${step.description}`,
    );
  const changes = steps.filter((s) => s.apply).length;
  const refused = steps.filter((s) => s.refused).length;
  if (options.dryRun)
    return console.log(
      `dry run: changed nothing (${changes} change(s) planned, ${refused} refused; the stage was not paused)`,
    );
  if (!(await confirmed(options, changes))) {
    // Not done is a refusal: `scalepilot release && sls remove` in a script must not remove a stage still scaling.
    console.error(
      `changed nothing (${changes} change(s) planned; the stage was not paused): run with --yes to apply`,
    );
    process.exitCode = 1;
    return;
  }
  // Nothing to change is no reason to leave the stage scaling: a function could scale out before `sls remove`.
  // The release below pauses it, and plans again under each lease (a scale-out since is released too).
  if (changes === 0 && refused === 0)
    console.log('nothing to release: every target is at its minimum; pausing the stage for sls remove');
  // Applying takes leases: a ledger not found stops here, as before.
  const ledger = found ?? (await deployedLedger(aws, options, kind));
  try {
    const { failed } = await applyRelease(policy, {
      ...ports,
      stage: options.stage,
      pause: async () => void (await setPaused(aws, options.stage, true)),
      ledger,
      log: (line) => console.log(line),
    });
    if (failed > 0) {
      console.error(`${failed} step(s) failed or were refused; run scalepilot release again once fixed`);
      process.exitCode = 1;
    }
  } catch (error) {
    if (!(error instanceof ReleaseInterruptedError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

/** `--yes`, or a yes typed at the terminal; never on a pipe without `--yes`. */
async function confirmed(options: ReleaseOptions, changes: number): Promise<boolean> {
  if (options.yes) return true;
  if (!process.stdin.isTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await prompt.question(
    changes === 0
      ? `pause stage ${options.stage} (every target is at its minimum)? [y/N] `
      : `pause stage ${options.stage} and apply these ${changes} change(s)? [y/N] `,
  );
  prompt.close();
  return /^y(es)?$/i.test(answer.trim());
}
