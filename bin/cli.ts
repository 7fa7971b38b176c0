import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { AutoScalingCapacity } from '../shared/adapters/AutoScalingCapacity';
import { awsConfigFromEnv } from '../shared/adapters/awsConfig';
import { CloudWatchMetricsReader } from '../shared/adapters/CloudWatchMetricsReader';
import { DynamoLedger } from '../shared/adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../shared/adapters/ElastiCacheShardCapacity';
import { RdsReplicaCapacity } from '../shared/adapters/RdsReplicaCapacity';
import { PolicyValidationError } from '../shared/errors';
import { loadPolicyFile } from '../shared/policy/loadPolicyFile';
import { policyJsonSchema } from '../shared/policy/policyJsonSchema';
import type { TargetKind } from '../shared/policy/schema';
import type { CapacityPort } from '../shared/ports';
import { evaluateTargets } from '../shared/usecases/evaluateTargets';

const DEFAULT_POLICY = 'scalepilot.yml';
const program = new Command('scalepilot').description('Scalepilot: autoscaling control plane for AWS');

program
  .command('validate')
  .argument('[file]', 'policy file', DEFAULT_POLICY)
  .description('validate a policy; exit 1 listing every problem')
  .action((file: string) => {
    const policy = loadPolicyFile(file);
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
  .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL or AWS)')
  .option('--json', 'print JSON')
  .action(
    async (file: string, options: { stage: string; table?: string; endpoint?: string; json?: boolean }) => {
      const policy = loadPolicyFile(file);
      const aws = { ...awsConfigFromEnv(), ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      const ledger = options.table
        ? new DynamoLedger(aws, options.table, process.env.SCALEPILOT_SCOPE ?? `local#${aws.region}`)
        : noHistory;
      const ports: Record<TargetKind, CapacityPort> = {
        asg: new AutoScalingCapacity(aws),
        'rds-replicas': new RdsReplicaCapacity(aws),
        'cache-shards': new ElastiCacheShardCapacity(aws),
      };
      const rows = [];
      let failed = false;
      for (const kind of new Set(policy.targets.map((t) => t.kind))) {
        try {
          const evaluations = await evaluateTargets(
            {
              policy,
              kind,
              capacity: ports[kind],
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
        for (const d of rows)
          console.log([d.target, d.kind, d.current, d.desired, d.reason, d.message].join('\t'));
      }
      if (failed) process.exitCode = 1;
    },
  );

/** A plan without a ledger table decides as if the target had no history. */
const noHistory = {
  acquireLease: async () => true,
  releaseLease: async () => {},
  history: async () => ({ recommendations: [], changes: [] }),
  record: async () => {},
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
