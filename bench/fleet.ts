// `npm run bench:fleet -- --targets N [--kind asg] [--acting 0.2]`: one scheduled run of a scaler against the
// emulator with N targets, a fraction of them breaching (20% by default). The handler runs in-process, as the
// tests call it, with the stack's environment; every call is counted at the emulator's proxy. The run's
// deadline is virtual: the remaining time is 60 s less the time its calls would take against AWS
// (bench/fleet/awsTime.ts), since the emulator is much slower than AWS. Prints, last, one JSON line.
import { parseArgs } from 'node:util';
import { startEmulator } from '../bin/lib/emulator';
import { createScalerHandler } from '../shared/lambda/createScalerHandler';
import { scalerRuntimeFromEnv } from '../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../shared/policy/parsePolicy';
import { SCALER_TIMEOUT_SECONDS } from '../shared/policy/runPlan';
import type { TargetKind } from '../shared/policy/schema';
import { AWS_LATENCY_MS, IN_FLIGHT, modelledAwsMs } from './fleet/awsTime';
import { createFleet, fleetKinds } from './fleet/kinds';

/** A bad option: one line, exit 2, before the emulator starts. */
const refuse = (line: string): never => {
  process.stderr.write(`bench:fleet: ${line}\n`);
  process.exit(2);
};
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        targets: { type: 'string', default: '500' },
        acting: { type: 'string', default: '0.2' },
        kind: { type: 'string', default: 'asg' },
      },
    });
  } catch (error) {
    return refuse((error as Error).message);
  }
})();
const N = Number(values.targets);
const ACTING = Number(values.acting);
if (!Number.isInteger(N) || N < 1)
  refuse(`--targets ${values.targets}: a whole number of targets, 1 or more`);
if (!(ACTING >= 0 && ACTING <= 1))
  refuse(`--acting ${values.acting}: the share of targets that breach, 0 to 1`);
const KIND = values.kind as TargetKind;
const fleetKind =
  fleetKinds[KIND] ?? refuse(`--kind ${values.kind}: one of ${Object.keys(fleetKinds).join(', ')}`);
const breaching = (i: number) => i < Math.round(N * ACTING);
const silent = { info() {}, warn() {}, error() {} };
const say = (line: string) => process.stderr.write(`${line}\n`);

const emulator = await startEmulator();
try {
  // moto's Application Auto Scaling has no `elasticache` namespace: no other autoscaler on the groups.
  emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
  // moto answers a reshard with HTTP 500: the proxy answers it as the API reference shows (the group
  // modifying), so an acting cache group costs the one call it costs against AWS.
  emulator.answer(
    'ModifyReplicationGroupShardConfiguration',
    () =>
      '<ModifyReplicationGroupShardConfigurationResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><ModifyReplicationGroupShardConfigurationResult><ReplicationGroup><Status>modifying</Status></ReplicationGroup></ModifyReplicationGroupShardConfigurationResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></ModifyReplicationGroupShardConfigurationResponse>',
  );
  say(`creating ${N} ${KIND} resources…`);
  const account = await createFleet(emulator, fleetKind, N);
  await account.createLedgerTable('ledger');
  // The stack creates its kill switch, running; without it the scalers act on nothing (PauseUnknown). Made as the
  // stack makes it: `scalepilot resume` refuses a stage whose functions do not exist, and this one has none.
  await account.createPauseSwitch('bench');
  const topicArn = await account.createTopic('scalepilot-bench');
  const now = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000);
  const points = [];
  for (let i = 0; i < N; i += 1)
    for (let m = 1; m <= 3; m += 1)
      for (const p of fleetKind.points(i, breaching(i)))
        points.push({ ...p, timestamp: new Date(now.getTime() - 30_000 - m * 60_000) });
  for (let i = 0; i < points.length; i += 500) await account.putMetrics(points.slice(i, i + 500));

  const policy = validatePolicy({
    version: 1,
    // The whole account's share for this one run: the bench measures one scaler alone.
    fleet: { apiSharePercent: 100 },
    targets: Array.from({ length: N }, (_, i) => fleetKind.target(i)),
  });
  const from = emulator.actions().length;
  let waited = 0;
  const awsMs = () => modelledAwsMs(emulator, from) + waited;
  const runtime = scalerRuntimeFromEnv({
    kind: KIND,
    capacity: fleetKind.capacity,
    logger: silent,
    env: {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'bench',
      TOPIC_ARN: topicArn,
      SCALEPILOT_SCOPE: '123456789012#us-east-1',
    },
    policy,
    // moto copies its DynamoDB table on every transaction: with thousands of targets one takes seconds.
    aws: { ...emulator.aws, requestTimeoutMs: 600_000 },
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
  say(`one scheduled run over ${N} ${KIND} targets (${Math.round(N * ACTING)} breaching)…`);
  const started = performance.now();
  const evaluations = await handler(
    { source: 'aws.events', 'detail-type': 'Scheduled Event', time: now.toISOString() },
    { awsRequestId: 'bench', getRemainingTimeInMillis: () => SCALER_TIMEOUT_SECONDS * 1000 - awsMs() },
  );
  const wallMs = Math.round(performance.now() - started);
  const calls = emulator.actions().slice(from);
  const byOperation: Record<string, number> = {};
  for (const op of calls) byOperation[op] = (byOperation[op] ?? 0) + 1;
  const deferred = evaluations.filter((e) => e.decision.reason === 'Deferred').length;
  const reasons: Record<string, number> = {};
  for (const e of evaluations) reasons[e.decision.reason] = (reasons[e.decision.reason] ?? 0) + 1;
  const emulatorMs = Math.round(emulator.busyMs() - busyBefore);
  const acted = evaluations.filter((e) => e.applied).length;
  console.log(
    JSON.stringify({
      targets: N,
      kind: KIND,
      evaluated: evaluations.length - deferred,
      acted,
      calls: calls.length,
      callsPerTarget: Number((calls.length / N).toFixed(3)),
      wallMs,
      byOperation,
      deferred,
      reasons,
      emulatorMs,
      projectMs: wallMs - emulatorMs,
      modelledAwsMs: Math.round(awsMs()),
      budgetWaitMs: Math.round(waited),
      note: 'wallMs is on the emulator (emulatorMs of it waiting on moto); the deadline is judged on modelledAwsMs, the same calls at in-region AWS latencies (bench/fleet/awsTime.ts)',
      model: { latencyMs: AWS_LATENCY_MS, inFlight: IN_FLIGHT },
    }),
  );
  // A run whose breaching targets did not act measures the wrong thing (a switch unread, say): say so, fail.
  const breachingCount = Math.round(N * ACTING);
  if (acted !== breachingCount) {
    say(
      `bench:fleet: ${acted} of the ${breachingCount} breaching targets acted (${JSON.stringify(reasons)}): not a valid run`,
    );
    process.exitCode = 1;
  }
} finally {
  await emulator.stop();
}
