import { DBClusterNotFoundFault, DBInstanceNotFoundFault, RDSClient } from '@aws-sdk/client-rds';
import { type Command, Option } from 'commander';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import { capacityPortByKind } from '../../shared/adapters/capacityPorts';
import { rdsPendingMaintenance } from '../../shared/adapters/RdsPendingMaintenance';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { STAGE_TAG } from '../../shared/decision/rdsReplicas';
import { loadPolicyFile } from '../../shared/policy/loadPolicyFile';
import type { Policy, RdsReplicasTarget } from '../../shared/policy/schema';
import type { Ledger } from '../../shared/ports';
import { planOverviews } from '../../shared/usecases/evaluate/planOverviews';
import type { Evaluation } from '../../shared/usecases/evaluate/types';
import { evaluateTargets } from '../../shared/usecases/evaluateTargets';
import { rdsReplicaStates, replicaStateLine } from '../../shared/usecases/rdsReplicaStates';
import { accountChecks, accountProblems } from '../lib/accountChecks';
import {
  accountOption,
  awsFrom,
  CliUsageError,
  DEFAULT_POLICY,
  endpointOption,
  noHistory,
  stageOption,
  tableName,
} from '../lib/cliOptions';
import { deployedLedgerTable } from '../lib/deployedLedger';
import { planOverviewLines } from '../lib/planOverviewText';
import { tableNamedLedger } from '../lib/tableNamedLedger';

/** Adds `scalepilot plan` to the CLI. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .argument('[file]', 'policy file', DEFAULT_POLICY)
    .description(
      "print, per target, the decision the functions would take now, and each plan's members and next steps; changes nothing",
    )
    .addOption(
      stageOption(
        'the deployed stage whose ledger gives the history (cooldowns, windows); neither this nor --table: as if no history',
        false,
      ),
    )
    .addOption(
      // One or the other: with both, the table was read and the stage silently not.
      new Option('--table <name>', 'ledger table to read the history from (instead of the stage’s)')
        .argParser(tableName)
        .conflicts('stage'),
    )
    .addOption(accountOption('with --stage or --table: the account whose records to read'))
    .addOption(endpointOption())
    .option('--json', 'print JSON')
    .action(plan);
}

interface PlanOptions {
  stage?: string;
  table?: string;
  account?: string;
  endpoint?: string;
  json?: boolean;
}

type Aws = Awaited<ReturnType<typeof awsFrom>>;
// One line per error, its message (which names the ledger table, tableNamedLedger.ts), never a JSON dump.
const log = {
  info() {},
  warn() {},
  error: (m: string, ...x: Record<string, unknown>[]) => {
    const error = x.find((e) => e.error !== undefined)?.error as { message?: string } | undefined;
    console.error(error?.message !== undefined ? `${m}: ${error.message}` : m);
  },
};

/** Each target's decision now and each plan's overview, printed; the account's refusals first. */
async function plan(file: string, options: PlanOptions): Promise<void> {
  const policy = loadPolicyFile(file);
  // Without a ledger to read, the account's records are not read: the option would do nothing.
  if (options.account !== undefined && options.stage === undefined && options.table === undefined)
    throw new CliUsageError(
      '--account names whose records the ledger is read for: give --stage or --table with it',
    );
  const aws = await awsFrom(options);
  const ledger = await historyLedger(policy, aws, options);
  // What the account refuses (a cache group another autoscaler scales, …) is said first; the plan
  // still shows each target's decision, which records the same refusal as its reason.
  const problems = await accountProblems(policy, accountChecks(aws));
  for (const problem of problems) console.error(`${file}: ${problem}`);
  const { evaluations, failed } = await decisionsNow(policy, aws, ledger, options.stage);
  const rows = evaluations.map((e) => e.decision);
  // A row whose resource could not be read has no sizes: "-" rather than 0s that look read (the JSON keeps the
  // decision as the function records it, its reason DescribeFailed).
  const size = (e: Evaluation, n: number) => (e.unread !== undefined ? '-' : n);
  // Every plan on the members' states as described now (the operator may describe every kind).
  const plans = await planOverviews(
    { policy, metrics: new CloudWatchMetricsReader(aws), ledger, log },
    evaluations,
    new Date(),
  );
  if (options.json) console.log(JSON.stringify({ targets: rows, plans }, null, 2));
  else {
    console.log(['target', 'kind', 'current', 'desired', 'reason', 'message'].join('\t'));
    for (const e of evaluations) {
      const d = e.decision;
      console.log([d.target, d.kind, size(e, d.current), size(e, d.desired), d.reason, d.message].join('\t'));
      const target = policy.targets.find((t) => t.name === d.target);
      if (target?.kind === 'rds-replicas')
        for (const line of await replicaLines(aws, target, options.stage)) console.log(line);
    }
    for (const overview of plans) console.log(['', ...planOverviewLines(overview)].join('\n'));
  }
  if (failed || problems.length > 0) process.exitCode = 1;
}

/**
 * Where the plan reads the targets' history: the ledger `--table` names, else the deployed stage's (its function's
 * own environment names it), else none (before a deploy: as if no history). The scope is the functions' own
 * (<account>#<region>), so the plan sees the history they wrote.
 */
async function historyLedger(policy: Policy, aws: Aws, options: PlanOptions): Promise<Ledger> {
  const { stage, table, account } = options;
  if (stage === undefined && table === undefined) return noHistory;
  const deployed = await deployedLedgerTable(
    aws,
    { stage: stage ?? '', table, account },
    policy.targets[0]?.kind ?? 'asg',
  );
  return tableNamedLedger(deployed.ledger, deployed.table);
}

/**
 * Every kind's evaluation as a `plan` run (nothing changed); a kind that fails is said and marks the run failed.
 * With `stage`, replicas another stage made are told apart as the functions tell them (OtherStageReplicas).
 */
async function decisionsNow(policy: Policy, aws: Aws, ledger: Ledger, stage: string | undefined) {
  const evaluations: Evaluation[] = [];
  // A failure every kind meets alike (the ledger unreadable) is said once, naming the kinds.
  const failures = new Map<string, string[]>();
  for (const kind of new Set(policy.targets.map((t) => t.kind))) {
    try {
      const evaluated = await evaluateTargets(
        {
          policy,
          kind,
          capacity: capacityPortByKind[kind](aws, stage),
          metrics: new CloudWatchMetricsReader(aws),
          ledger,
          notifier: { capacityChanged: async () => {} },
          clock: { now: () => new Date() },
          log,
          owner: 'plan',
        },
        { trigger: 'plan' },
      );
      evaluations.push(...evaluated);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      failures.set(message, [...(failures.get(message) ?? []), kind]);
    }
  }
  for (const [message, kinds] of failures) console.error(`${kinds.join(', ')}: ${message}`);
  return { evaluations, failed: failures.size > 0 };
}

/**
 * RDS: what waits for the source's maintenance window, then what each gate makes of each replica (owner,
 * serving, lag, draining, protection).
 */
async function replicaLines(
  aws: Aws,
  target: RdsReplicasTarget,
  stage: string | undefined,
): Promise<string[]> {
  const pending = await rdsPendingMaintenance(new RDSClient(clientOptions(aws)), target).catch(
    (error: unknown) =>
      // A missing source is said already (the account check's line, the target's DescribeFailed row).
      sourceMissing(error)
        ? []
        : [`pending maintenance unreadable: ${error instanceof Error ? error.message : String(error)}`],
  );
  const states = await rdsReplicaStates(
    new RdsReplicaCapacity(aws, stage !== undefined ? { stage } : {}),
    new CloudWatchMetricsReader(aws),
    target,
    new Date(),
  ).catch(() => []);
  // Without the stage, another deployment's replicas read as this one's: said where it shows.
  const unknown =
    stage === undefined && states.some((s) => s.stage !== undefined)
      ? [
          `  replicas tagged ${STAGE_TAG}: without --stage each reads as this stage's; give --stage to tell another stage's (the functions hold a target whose source has them, OtherStageReplicas)`,
        ]
      : [];
  return [...pending.map((line) => `  ${line}`), ...states.map(replicaStateLine), ...unknown];
}

/** RDS answered that the source instance (or cluster) does not exist (the adapter's error has RDS's as its cause). */
function sourceMissing(error: unknown): boolean {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof DBInstanceNotFoundFault || cause instanceof DBClusterNotFoundFault;
}
