// `npm run bench:fleet -- --targets N [--kind asg] [--acting 0.2]`: one scheduled run of a scaler against the
// emulator with N targets, a fraction of them breaching (20% by default). The handler runs in-process, as the
// tests call it, with the stack's environment; every call is counted at the emulator's proxy. The run's
// deadline is virtual: the remaining time is 60 s less the time its calls would take against AWS
// (bench/fleet/awsTime.ts), since the emulator is much slower than AWS. Prints, last, one JSON line.
import { parseArgs } from 'node:util';
import { startEmulator } from '../bin/lib/emulator';
import { AutoScalingCapacity } from '../shared/adapters/AutoScalingCapacity';
import { DemoAccount } from '../shared/adapters/DemoAccount';
import { createScalerHandler } from '../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../shared/policy/parsePolicy';
import { AWS_LATENCY_MS, IN_FLIGHT, modelledAwsMs } from './fleet/awsTime';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '500' },
    acting: { type: 'string', default: '0.2' },
    kind: { type: 'string', default: 'asg' },
  },
});
const N = Number(values.targets);
const ACTING = Number(values.acting);
if (!Number.isInteger(N) || N < 1) throw new Error(`--targets ${values.targets}: a whole number of targets`);
if (values.kind !== 'asg') throw new Error(`--kind ${values.kind}: only asg is measured by this bench`);

const name = (i: number) => `g-${String(i).padStart(4, '0')}`;
const breaching = (i: number) => i < Math.round(N * ACTING);
const silent = { info() {}, warn() {}, error() {} };
const say = (line: string) => process.stderr.write(`${line}\n`);

const emulator = await startEmulator();
try {
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  const topicArn = await account.createTopic('scalepilot-bench');
  say(`creating ${N} groups…`);
  for (let i = 0; i < N; i += 16)
    await Promise.all(
      Array.from({ length: Math.min(16, N - i) }, (_, k) =>
        account.createAutoScalingGroup(`fleet-${name(i + k)}`, { min: 1, max: 10, desired: 2 }),
      ),
    );
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
  const points = [];
  for (let i = 0; i < N; i += 1)
    for (let m = 1; m <= 3; m += 1)
      points.push({
        metric: {
          namespace: 'AWS/EC2',
          name: 'CPUUtilization',
          dimensions: { AutoScalingGroupName: `fleet-${name(i)}` },
        },
        value: breaching(i) ? 95 : 50,
        timestamp: new Date(now.getTime() - 30_000 - m * 60_000),
      });
  for (let i = 0; i < points.length; i += 500) await account.putMetrics(points.slice(i, i + 500));

  const policy = validatePolicy({
    version: 1,
    // The whole account's share for this one run: the bench measures one scaler alone.
    fleet: { apiSharePercent: 100 },
    targets: Array.from({ length: N }, (_, i) => ({
      name: name(i),
      kind: 'asg',
      autoScalingGroupName: `fleet-${name(i)}`,
      capacity: { min: 1, max: 10 },
      rules: [
        {
          name: 'cpu',
          type: 'step',
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
          scaleOut: [{ above: 70, add: 1 }],
          scaleIn: [{ below: 30, remove: 1 }],
        },
      ],
    })),
  });
  const from = emulator.actions().length;
  let waited = 0;
  const awsMs = () => modelledAwsMs(emulator, from) + waited;
  const runtime = scalerRuntimeFromEnv({
    kind: 'asg',
    capacity: (aws) => new AutoScalingCapacity(aws),
    logger: silent,
    env: {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'bench',
      TOPIC_ARN: topicArn,
      SCALEPILOT_SCOPE: '123456789012#us-east-1',
    },
    policy,
    aws: emulator.aws,
    clock: { now: () => now },
    // The API budget's waits pass on the same virtual AWS clock as the calls.
    budgetTime: {
      nowMs: awsMs,
      sleep: async (ms) => {
        waited += ms;
      },
    },
  });
  const handler = createScalerHandler(runtime);
  const busyBefore = emulator.busyMs();
  say(`one scheduled run over ${N} groups (${Math.round(N * ACTING)} breaching)…`);
  const started = performance.now();
  const evaluations = await handler(
    { source: 'aws.events', 'detail-type': 'Scheduled Event', time: now.toISOString() },
    { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 - awsMs() },
  );
  const wallMs = Math.round(performance.now() - started);
  const calls = emulator.actions().slice(from);
  const byOperation: Record<string, number> = {};
  for (const op of calls) byOperation[op] = (byOperation[op] ?? 0) + 1;
  const deferred = evaluations.filter((e) => e.decision.reason === 'Deferred').length;
  const emulatorMs = Math.round(emulator.busyMs() - busyBefore);
  console.log(
    JSON.stringify({
      targets: N,
      evaluated: evaluations.length - deferred,
      acted: evaluations.filter((e) => e.applied).length,
      calls: calls.length,
      callsPerTarget: Number((calls.length / N).toFixed(3)),
      wallMs,
      byOperation,
      deferred,
      emulatorMs,
      projectMs: wallMs - emulatorMs,
      modelledAwsMs: Math.round(awsMs()),
      budgetWaitMs: Math.round(waited),
      note: 'wallMs is on the emulator (emulatorMs of it waiting on moto); the deadline is judged on modelledAwsMs, the same calls at in-region AWS latencies (bench/fleet/awsTime.ts)',
      model: { latencyMs: AWS_LATENCY_MS, inFlight: IN_FLIGHT },
    }),
  );
} finally {
  await emulator.stop();
}
