// `npm start`: the main job on the embedded default, a local emulated AWS account. Today it validates the
// example policy, packages the stack with the real Serverless CLI (offline) and shows what would be
// deployed, then starts the emulator, creates the policy's demo resources and prints the plan: the
// decision each scaler would take right now. (The full replay in virtual time is the local-account issue.)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { DemoAccount } from '../shared/adapters/DemoAccount';
import { alarmDefinitions } from '../shared/policy/alarmDefinitions';
import { loadPolicyFile } from '../shared/policy/loadPolicyFile';
import { metricDimensions } from '../shared/policy/targetResource';
import { startEmulator } from './lib/emulator';

const ROOT = resolve(import.meta.dirname, '..');
const options = new Command('start')
  .option('--policy <file>', 'policy file', join(ROOT, 'examples/event-platform.scalepilot.yml'))
  .option('--stage <stage>', 'stage', 'local')
  .option('--cpu <percent>', 'CPU datapoint to publish for the demo group', '85')
  .parse()
  .opts<{ policy: string; stage: string; cpu: string }>();

const policy = loadPolicyFile(options.policy);
console.log(`✔ ${options.policy}: valid, ${policy.targets.length} targets`);

const out = mkdtempSync(join(tmpdir(), 'scalepilot-'));
execFileSync(
  join(ROOT, 'node_modules/.bin/sls'),
  ['package', '--stage', options.stage, '--package', out, '--param', `policy=${options.policy}`],
  {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', SLS_TELEMETRY_DISABLED: '1' },
  },
);
const resources: Record<string, { Type: string }> = JSON.parse(
  readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'),
).Resources;
const counts = new Map<string, number>();
for (const r of Object.values(resources)) counts.set(r.Type, (counts.get(r.Type) ?? 0) + 1);
console.log(`✔ stack packaged into ${out}; it would deploy:`);
for (const [type, n] of [...counts].sort()) console.log(`    ${String(n).padStart(3)} × ${type}`);
console.log('  alarms:');
for (const a of alarmDefinitions(policy, options.stage))
  console.log(
    `    ${a.alarmName}  (${a.metric.name} ${a.comparison === 'GreaterThanThreshold' ? '>' : '<'} ${a.threshold} → ${a.functionName})`,
  );

const moto = await startEmulator();
const stop = async () => {
  await moto.stop();
};
process.once('SIGINT', () => void stop().then(() => process.exit(130)));
try {
  console.log(`✔ emulator listening on ${moto.endpoint}`);
  const aws = moto.aws;
  const account = new DemoAccount(aws);
  for (const target of policy.targets) {
    if (target.kind === 'asg') {
      await account.createAutoScalingGroup(target.autoScalingGroupName, {
        ...target.capacity,
        desired: target.capacity.min,
      });
      for (const rule of target.rules) {
        const dimensions = metricDimensions(target, rule.metric.dimensions);
        await account.putMetric(
          { ...rule.metric, dimensions },
          Number(options.cpu),
          new Date(Date.now() - 60_000),
        );
      }
    }
    if (target.kind === 'rds-replicas') await account.createDbInstance(target.sourceDbInstanceIdentifier);
    if (target.kind === 'cache-shards')
      await account.createReplicationGroup(target.replicationGroupId, target.capacity.min);
  }
  console.log('✔ demo resources created; the plan (what the functions would do now):\n');
  // Asynchronously: the emulator's proxy runs in this process and must keep answering.
  const plan = spawn(join(ROOT, 'bin/scalepilot'), ['plan', options.policy, '--stage', options.stage], {
    stdio: 'inherit',
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: aws.region,
    },
  });
  const code = await new Promise<number | null>((done) => plan.once('exit', done));
  if (code !== 0) process.exitCode = code ?? 1;
} finally {
  await stop();
}
