import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { AutoScalingScheduledActions } from '../shared/adapters/AutoScalingScheduledActions';
import { type AwsConfig, awsConfigFromEnv, clientOptions } from '../shared/adapters/awsConfig';
import { CloudWatchMetricHistory } from '../shared/adapters/CloudWatchMetricHistory';
import { CloudWatchMetricsReader, metricHistory } from '../shared/adapters/CloudWatchMetricsReader';
import { CostExplorerReader } from '../shared/adapters/CostExplorerReader';
import { callerScope } from '../shared/adapters/callerScope';
import { capacityPortByKind } from '../shared/adapters/capacityPorts';
import { DynamoLedger } from '../shared/adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../shared/adapters/ElastiCacheShardCapacity';
import { PriceListReader } from '../shared/adapters/PriceListReader';
import { RdsReplicaCapacity } from '../shared/adapters/RdsReplicaCapacity';
import { bundledPrices } from '../shared/cost/bundledPrices';
import { scalingLine, usd } from '../shared/cost/costMessage';
import { addDays, newestCompleteDay, utcDate } from '../shared/cost/evaluateCosts';
import type { PriceFamily, PriceTable } from '../shared/cost/scalingCost';
import { emptyHistory } from '../shared/decision/types';
import { AwsCallError, PolicyValidationError, ScalingError } from '../shared/errors';
import { loadPolicyFile } from '../shared/policy/loadPolicyFile';
import { policyJsonSchema } from '../shared/policy/policyJsonSchema';
import type { TargetKind } from '../shared/policy/schema';
import { functionByKind } from '../shared/policy/targetResource';
import type { Ledger } from '../shared/ports';
import { failedAssertions, runBacktest } from '../shared/simulate/runBacktest';
import { parseTraceCsv, toMinuteSeries } from '../shared/simulate/trace';
import { alertCosts, type CostDeps } from '../shared/usecases/alertCosts';
import { evaluateTargets } from '../shared/usecases/evaluateTargets';
import { rdsReplicaStates, replicaStateLine } from '../shared/usecases/rdsReplicaStates';
import { accountChecks, accountProblems } from './lib/accountChecks';
import { figuresTable, writeReport } from './lib/backtestOutput';
import { type ForecastCommandOptions, forecastCommand, forecastTraceRows } from './lib/forecastCommand';
import { setPaused } from './lib/killSwitch';
import { OneReadCostReader } from './lib/oneReadCostReader';
import { formatPredictPreview, predictPreview } from './lib/predictCommand';
import { applyRelease, planRelease, releaseClients } from './lib/release';

const DEFAULT_POLICY = 'scalepilot.yml';
const program = new Command('scalepilot').description('Scalepilot: autoscaling control plane for AWS');

program
  .command('validate')
  .argument('[file]', 'policy file', DEFAULT_POLICY)
  .description('validate a policy; exit 1 listing every problem')
  .option('--check-account', 'also check each target against the account (the SDK’s, or --endpoint)')
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
  .action(async (file: string, options: { checkAccount?: boolean; endpoint?: string }) => {
    const policy = loadPolicyFile(file);
    if (options.checkAccount) {
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      const problems = await accountProblems(policy, accountChecks(aws));
      for (const problem of problems) console.error(`${file}: ${problem}`);
      if (problems.length > 0) {
        process.exitCode = 1;
        return;
      }
    }
    console.log(
      `${file}: valid (${policy.targets.length} targets: ${policy.targets.map((t) => `${t.name} [${t.kind}]`).join(', ')})`,
    );
  });

program
  .command('schema')
  .description('print the JSON Schema of the policy file (for editors)')
  .option('-o, --out <file>', 'write it to a file instead')
  .action((options: { out?: string }) => {
    const text = `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  });

program
  .command('plan')
  .argument('[file]', 'policy file', DEFAULT_POLICY)
  .description('print, per target, the decision the functions would take now; changes nothing')
  .option('--stage <stage>', 'stage the stack was deployed with', 'dev')
  .option('--table <name>', 'ledger table (for cooldowns and windows); default: none, as if no history')
  .option(
    '--account <id>',
    "with --table: the account whose records to read (default: the caller's, from STS)",
  )
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
  .option('--json', 'print JSON')
  .action(
    async (
      file: string,
      options: { stage: string; table?: string; account?: string; endpoint?: string; json?: boolean },
    ) => {
      const policy = loadPolicyFile(file);
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      // The functions' own scope (<account>#<region>), so the plan sees the history they wrote.
      const ledger = options.table
        ? new DynamoLedger(aws, options.table, await callerScope(aws, options.account))
        : noHistory;
      const rows = [];
      // What the account refuses (a cache group another autoscaler scales, …) is said first; the plan
      // still shows each target's decision, which records the same refusal as its reason.
      const problems = await accountProblems(policy, accountChecks(aws));
      for (const problem of problems) console.error(`${file}: ${problem}`);
      let failed = problems.length > 0;
      for (const kind of new Set(policy.targets.map((t) => t.kind))) {
        try {
          const evaluations = await evaluateTargets(
            {
              policy,
              kind,
              capacity: capacityPortByKind[kind](aws),
              metrics: new CloudWatchMetricsReader(aws),
              ledger,
              notifier: { capacityChanged: async () => {} },
              clock: { now: () => new Date() },
              log: { info() {}, warn() {}, error: (m, ...x) => console.error(m, JSON.stringify(x)) },
              owner: 'plan',
            },
            { trigger: 'plan' },
          );
          rows.push(...evaluations.map((e) => e.decision));
        } catch (error) {
          failed = true;
          console.error(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else {
        console.log(['target', 'kind', 'current', 'desired', 'reason', 'message'].join('\t'));
        for (const d of rows) {
          console.log([d.target, d.kind, d.current, d.desired, d.reason, d.message].join('\t'));
          // RDS: what each gate makes of each replica (owner, serving, lag, draining, protection).
          const target = policy.targets.find((t) => t.name === d.target);
          if (target?.kind === 'rds-replicas')
            for (const state of await rdsReplicaStates(
              new RdsReplicaCapacity(aws),
              new CloudWatchMetricsReader(aws),
              target,
              new Date(),
            ).catch(() => []))
              console.log(replicaStateLine(state));
        }
      }
      if (failed) process.exitCode = 1;
    },
  );

program
  .command('predict')
  .argument('[file]', 'policy file', DEFAULT_POLICY)
  .description(
    'print, per predictive target, what the predict function would do now: forecast, units needed, floors, scheduled actions; changes nothing',
  )
  .option('--target <name>', 'only this target')
  .option('--table <name>', 'ledger table (for the trust scores); default: none, as if never scored')
  .option(
    '--account <id>',
    "with --table: the account whose records to read (default: the caller's, from STS)",
  )
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
  .option('--json', 'print JSON')
  .action(
    async (
      file: string,
      options: { target?: string; table?: string; account?: string; endpoint?: string; json?: boolean },
    ) => {
      const policy = loadPolicyFile(file);
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      const now = new Date();
      const previews = await predictPreview({
        policy,
        history: new CloudWatchMetricHistory(aws),
        groups: new AutoScalingScheduledActions(aws),
        ...(options.table
          ? { ledger: new DynamoLedger(aws, options.table, await callerScope(aws, options.account)) }
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

program
  .command('decisions')
  .argument('[file]', 'policy file (names the targets)', DEFAULT_POLICY)
  .description("print the newest decisions from the deployed stack's ledger table; changes nothing")
  .option('--stage <stage>', 'stage the stack was deployed with', 'dev')
  .option('--target <name>', 'only this target')
  .option('--limit <n>', 'newest N per target', '20')
  .option('--account <id>', "the account whose records to read (default: the caller's, from STS)")
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
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
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      // The deployed function's own environment names the table; the scope is the functions' own.
      const env = await deployedEnvironment(
        aws,
        options.stage,
        functionByKind[policy.targets[0]?.kind ?? 'asg'],
      );
      const ledger = new DynamoLedger(aws, env.LEDGER_TABLE ?? '', await callerScope(aws, options.account));
      const targets = policy.targets.filter((t) => !options.target || t.name === options.target);
      if (targets.length === 0) throw new Error(`${file}: no target "${options.target}"`);
      const limit = Number(options.limit);
      const rows = [];
      for (const t of targets) rows.push(...(await ledger.decisions(t.name)).slice(-limit));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
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

program
  .command('costs')
  .argument('[file]', 'policy file', DEFAULT_POLICY)
  .description('print the cost check of the last N complete days, and the month-end forecast; sends nothing')
  .option('--days <n>', 'how many complete days', '7')
  .option(
    '--stage <stage>',
    'stage the stack was deployed with (its ledger has the scaling decisions)',
    'dev',
  )
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
  .option('--json', 'print JSON')
  .action(
    async (file: string, options: { days: string; stage: string; endpoint?: string; json?: boolean }) => {
      const policy = loadPolicyFile(file);
      const cost = policy.cost;
      if (!cost) throw new Error(`${file}: no cost section`);
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      const env = await deployedEnvironment(aws, options.stage, 'alertCost');
      const ledger = new DynamoLedger(aws, env.LEDGER_TABLE ?? '', env.SCALEPILOT_SCOPE ?? '');
      const now = new Date();
      const newest = newestCompleteDay(now, cost.completeAfterHours);
      const count = Number(options.days);
      // One Cost Explorer read for every day shown (each request is billed), then each day evaluated as the
      // daily run the morning after it would have; the forecast only for today (it cannot start in the past).
      const costs = new OneReadCostReader(new CostExplorerReader(aws));
      const deps = (at: Date, withBudget: boolean): CostDeps => ({
        policy: {
          ...policy,
          cost: { ...cost, monthlyBudgetUsd: withBudget ? cost.monthlyBudgetUsd : undefined },
        },
        costs,
        // send: false never claims; nothing is recorded.
        alerts: {
          claimAlert: async () => ({ status: 'sent' as const }),
          markAlertSent: async () => false,
          releaseAlert: async () => {},
        },
        decisions: (target, from, to) => ledger.decisions(target, { from, to }),
        channels: [],
        clock: { now: () => at },
        log: { info() {}, warn() {}, error: (m, ...x) => console.error(m, JSON.stringify(x)) },
        region: aws.region,
        prices: bundledPrices,
        liveUnit: (target) => new ElastiCacheShardCapacity(aws).liveUnit(target),
      });
      const first = addDays(newest, 1 - count);
      await costs.prefetch(addDays(first, -cost.anomaly.trailingDays), utcDate(now.getTime()));
      const rows = [];
      for (let i = 0; i < count; i += 1) {
        const day = addDays(first, i);
        const at = new Date(Date.parse(`${addDays(day, 1)}T00:00:00Z`) + cost.completeAfterHours * 3_600_000);
        rows.push((await alertCosts(deps(at, false), 'daily', { send: false })).evaluation);
      }
      const forecast = cost.monthlyBudgetUsd
        ? (await alertCosts(deps(now, true), 'forecast', { send: false })).evaluation
        : undefined;
      if (options.json) {
        console.log(JSON.stringify({ days: rows, forecast }, null, 2));
        return;
      }
      console.log(['day', 'spend', 'limit', 'alerts', "Scalepilot's scaling"].join('\t'));
      for (const e of rows) {
        const scaling = e.scaling.map(scalingLine).join('; ');
        const spend = e.dayCost ? usd(e.dayCost.total) : 'no data';
        const alerts = e.alerts.map((a) => a.key).join(', ') || '-';
        console.log([e.day ?? '', spend, usd(cost.dailyLimitUsd), alerts, scaling].join('\t'));
      }
      if (forecast?.forecast) {
        const f = forecast.forecast;
        const verdict = forecast.alerts.length > 0 ? 'OVER budget' : 'within budget';
        console.log(
          `forecast ${f.month}: ${usd(f.monthToDate + f.remaining)} (${usd(f.monthToDate)} so far + ${usd(f.remaining)}), ${verdict} of ${usd(cost.monthlyBudgetUsd ?? 0)}`,
        );
      }
      for (const e of rows) for (const a of e.alerts) console.log(`\n${a.subject}\n${a.text}`);
    },
  );

program
  .command('prices')
  .description(
    'refresh the bundled on-demand price table from the AWS Price List API (for the cost of scaling)',
  )
  .option('--regions <list>', 'comma-separated regions', 'us-east-1')
  .option('--policy <file>', "also price this policy's instance types, classes and node types")
  .option(
    '--out <file>',
    'where to write the table',
    join(import.meta.dirname, '../shared/cost/onDemandPrices.json'),
  )
  .action(async (options: { regions: string; policy?: string; out: string }) => {
    const table = JSON.parse(readFileSync(options.out, 'utf8')) as PriceTable & Record<string, unknown>;
    const wanted: Record<PriceFamily, Set<string>> = {
      ec2: new Set(),
      rds: new Set(),
      elasticache: new Set(),
    };
    for (const families of Object.values(table.regions))
      for (const [family, types] of Object.entries(families))
        for (const t of Object.keys(types)) wanted[family as PriceFamily].add(t);
    for (const t of options.policy ? loadPolicyFile(options.policy).targets : []) {
      if (t.kind === 'asg' && t.instanceType) wanted.ec2.add(t.instanceType);
      if (t.kind === 'rds-replicas' && t.replicaInstanceClass) wanted.rds.add(t.replicaInstanceClass);
      if (t.kind === 'cache-shards' && t.nodeType) wanted.elasticache.add(t.nodeType);
    }
    const reader = new PriceListReader(awsConfigFromEnv());
    const regions: Record<string, Record<PriceFamily, Record<string, number>>> = { ...table.regions };
    for (const region of options.regions
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)) {
      const priced: Record<PriceFamily, Record<string, number>> = { ec2: {}, rds: {}, elasticache: {} };
      for (const family of Object.keys(wanted) as PriceFamily[])
        for (const type of [...wanted[family]].sort()) {
          const price = await reader.onDemandPrice(family, region, type);
          if (price === undefined) console.error(`${region}: no on-demand price for ${type}`);
          else priced[family][type] = price;
        }
      regions[region] = priced;
      console.log(
        `${region}: ${Object.values(priced).reduce((n, f) => n + Object.keys(f).length, 0)} prices`,
      );
    }
    writeFileSync(
      options.out,
      `${JSON.stringify({ ...table, fetched: new Date().toISOString(), regions }, null, 2)}\n`,
    );
    console.log(`wrote ${options.out}`);
  });

withHistorySource(
  program
    .command('backtest')
    .description('replay a metric trace through Scalepilot and the baselines; print the figures'),
)
  .option('--kind <kind>', 'asg | rds-replicas | cache-shards', 'asg')
  .option('--policy <file>', "take Scalepilot's target of this kind (and its range) from a policy")
  .option('--per-interval-count', 'the values are counts per row interval: divide by the step')
  .option(
    '--out <dir>',
    'write one timeline CSV per policy, report.html (charts, works offline) and chart.png here',
  )
  .option('--load-unit <unit>', "the load's unit for the charts' axis, e.g. requests/min")
  .option('--json', 'print the figures as JSON')
  .option('--assert <checks>', "e.g. 'overload<=60,costRatio<=1.3': exit 1 when Scalepilot misses")
  .action(
    async (options: {
      trace?: string;
      cloudwatch?: boolean;
      namespace?: string;
      metric?: string;
      dimensions: string;
      statistic: string;
      days: string;
      kind: string;
      policy?: string;
      perIntervalCount?: boolean;
      out?: string;
      loadUnit?: string;
      json?: boolean;
      assert?: string;
    }) => {
      const kind = options.kind as TargetKind;
      if (!['asg', 'rds-replicas', 'cache-shards'].includes(kind))
        throw new Error(`--kind: unknown kind "${options.kind}"`);
      const rows = options.cloudwatch ? await cloudWatchRows(options) : traceRows(options.trace);
      const series = toMinuteSeries(rows, Boolean(options.perIntervalCount));
      const source = options.cloudwatch ? `${options.namespace}/${options.metric}` : options.trace;
      const policy = options.policy ? loadPolicyFile(options.policy) : undefined;
      const target = policy?.targets.find((t) => t.kind === kind);
      if (options.policy && !target) throw new Error(`${options.policy}: no ${kind} target`);
      // A progress bar on long runs, on a terminal only (CI logs and pipes stay clean).
      const bar =
        process.stderr.isTTY && series.load.length > 100_000
          ? new SingleBar(
              { format: 'backtest [{bar}] {value}/{total} policies  {policy}', stream: process.stderr },
              Presets.shades_classic,
            )
          : undefined;
      bar?.start(6, 0, { policy: '' });
      const result = runBacktest(series, kind, {
        ...(target ? { target } : {}),
        ...(policy ? { predictive: policy.predictive } : {}),
        onPolicyDone: (name, done, total) => {
          bar?.setTotal(total);
          bar?.update(done, { policy: name });
        },
      });
      bar?.stop();
      if (options.json) console.log(JSON.stringify(result.figures, null, 2));
      else for (const line of figuresTable(result, series.load.length)) console.log(line);
      if (options.out) {
        process.stderr.write(`drawing the report of ${result.timelines.length} policies …\n`);
        const report = await writeReport(options.out, result, series, {
          trace: source?.split('/').pop() ?? 'trace',
          kind,
          loadUnit: options.loadUnit ?? (options.perIntervalCount ? 'per minute' : undefined),
        });
        // The last line says where the report is (on stderr under --json, which keeps stdout JSON).
        (options.json ? console.error : console.log)(`report: ${report}`);
      }
      if (options.assert) {
        const own = result.figures.find((f) => f.policy === 'scalepilot');
        const failed = own ? failedAssertions(options.assert, own) : ['no scalepilot row'];
        if (failed.length > 0) {
          console.error(`scalepilot misses: ${failed.join('; ')}`);
          process.exitCode = 1;
        }
      }
    },
  );

for (const [command, paused] of [
  ['pause', true],
  ['resume', false],
] as const) {
  program
    .command(command)
    .description(
      paused
        ? 'kill switch: stop every scaling action of the stage within a minute (decisions are still recorded, reason Paused)'
        : 'lift the kill switch: the stage scales again from its next evaluation',
    )
    .option('--stage <stage>', 'stage the stack was deployed with', 'dev')
    .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
    .action(async (options: { stage: string; endpoint?: string }) => {
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      const name = await setPaused(aws, options.stage, paused);
      console.log(
        paused
          ? `${name} = true: stage "${options.stage}" stops acting within a minute`
          : `${name} = false: stage "${options.stage}" scales again`,
      );
    });
}

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
    const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
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

withHistorySource(
  program
    .command('forecast')
    .description("forecast a load 48 h ahead, as the predict function would; prints each hour's peak"),
)
  .option(
    '--at <time>',
    "with --trace: forecast from this ISO time, from the 14 days before it (default: the trace's end)",
  )
  .option('--quantile <q>', 'the upper quantile', '0.9')
  .option('--hours <n>', 'how far ahead', '48')
  .option('--out <dir>', 'write forecast.csv, forecast.json, forecast.html and forecast.png (chart) here')
  .option('--json', 'print the forecast as JSON')
  .action(
    async (
      options: ForecastCommandOptions & {
        trace?: string;
        cloudwatch?: boolean;
        namespace?: string;
        metric?: string;
        dimensions: string;
        statistic: string;
        days: string;
      },
    ) => {
      try {
        const rows = options.cloudwatch ? await cloudWatchRows(options) : forecastTraceRows(options.trace);
        const source = options.cloudwatch
          ? `${options.namespace}/${options.metric}`
          : (options.trace as string);
        await forecastCommand(rows, source, options);
      } catch (error) {
        if (!(error instanceof ScalingError)) throw error;
        console.error(error.message);
        process.exitCode = 1;
      }
    },
  );

/** Where a command reads a metric's history: a trace file, or CloudWatch (backtest and forecast share them). */
function withHistorySource(command: Command): Command {
  return command
    .option('--trace <file>', 'CSV timestamp,value')
    .option('--cloudwatch', 'pull the history from CloudWatch instead (the account, or AWS_ENDPOINT_URL)')
    .option('--namespace <ns>', 'with --cloudwatch: metric namespace')
    .option('--metric <name>', 'with --cloudwatch: metric name')
    .option('--dimensions <list>', "with --cloudwatch: 'Name=Value,Name=Value'", '')
    .option('--statistic <stat>', 'with --cloudwatch: statistic', 'Average')
    .option('--days <n>', 'with --cloudwatch: how many days back', '14');
}

function traceRows(file: string | undefined) {
  if (!file) throw new Error('backtest: give --trace FILE or --cloudwatch');
  return parseTraceCsv(readFileSync(file, 'utf8'), file);
}

async function cloudWatchRows(o: {
  namespace?: string;
  metric?: string;
  dimensions: string;
  statistic: string;
  days: string;
}) {
  if (!o.namespace || !o.metric) throw new Error('backtest --cloudwatch: give --namespace and --metric');
  const dimensions = Object.fromEntries(
    o.dimensions
      .split(',')
      .filter(Boolean)
      .map((pair) => {
        const [name, value] = pair.split('=');
        if (!name || value === undefined) throw new Error(`--dimensions: "${pair}" is not Name=Value`);
        return [name, value];
      }),
  );
  const end = new Date();
  const start = new Date(end.getTime() - Number(o.days) * 86_400_000);
  const client = new CloudWatchClient(clientOptions(awsConfigFromEnv()));
  const metric = {
    namespace: o.namespace,
    name: o.metric,
    statistic: o.statistic,
    dimensions,
    periodSeconds: 60,
  };
  const rows = await metricHistory(client, metric, start, end);
  if (rows.length === 0)
    throw new Error(`no datapoints for ${o.namespace}/${o.metric} in the last ${o.days} days`);
  return rows;
}

/** A plan without a ledger table decides as if the target had no history. */
const noHistory: Ledger = {
  acquireLease: async () => undefined,
  releaseLease: async () => {},
  read: async () => ({ history: emptyHistory, failures: 0 }),
  writeIntent: async () => {},
  record: async () => {},
  writeFloors: async () => {},
  readForecastTrack: async () => undefined,
  writeForecastTrack: async () => {},
};

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof PolicyValidationError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

/** The environment a deployed function runs with (its ledger table, scope and topic). */
async function deployedEnvironment(
  aws: AwsConfig,
  stage: string,
  fn: string,
): Promise<Record<string, string>> {
  const name = `scalepilot-${stage}-${fn}`;
  const config = await new LambdaClient(clientOptions(aws))
    .send(new GetFunctionConfigurationCommand({ FunctionName: name }))
    .catch((cause: unknown) => {
      throw new AwsCallError(
        `Lambda GetFunctionConfiguration ${name} (is stage "${stage}" deployed?)`,
        cause,
      );
    });
  return config.Environment?.Variables ?? {};
}
