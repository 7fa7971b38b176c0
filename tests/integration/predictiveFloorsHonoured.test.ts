import {
  CreateReplicationGroupCommand,
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { elastiCacheShardScaler } from '../../shared/adapters/ElastiCacheShardCapacity';
import { floorAt } from '../../shared/decision/floors';
import { createScalerHandler } from '../../shared/lambda/createScalerHandler';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { scalerRuntimeFromEnv } from '../../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { capturedLog, lambdaContext, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';
import { cacheClientOnMoto, GROUP } from './scaleCacheShardsHarness';
import { MANUAL, rdsPolicy, rdsScalerOnEmulator, SCOPE, SOURCE, SP1 } from './scaleRdsReplicasHarness';

// Issue 22: the floors the predict function writes into the ledger are honoured by the RDS replica and the
// cache shard scalers (the ASG scaler's case is in predict.test.ts), with the reason `PredictiveFloor`. The
// predict function and the scalers run in-process (moto's Lambda needs Docker) against moto's CloudWatch,
// DynamoDB (the real ledger), RDS and ElastiCache. Known moto behaviour, worked around here: moto does not
// implement ModifyReplicationGroupShardConfiguration (HTTP 500), so the reshard is answered by
// aws-sdk-client-mock on the adapter's client (every other ElastiCache call goes to moto); a cluster-mode
// group needs ClusterMode "enabled" and explicit slot ranges; moto's Application Auto Scaling has no
// `elasticache` namespace (the proxy answers DescribeScalableTargets).

const emulator = useEmulator();
const MIN = 60_000;
const DAY = 1440 * MIN;

/** The target's policy with predictive floors on: forecast-and-scale from two days of history. */
function predictive(policy: Policy): Policy {
  return {
    ...policy,
    targets: policy.targets.map((t) => ({ ...t, predictive: true })),
    predictive: { ...policy.predictive, enabled: true, mode: 'forecast-and-scale', lookbackDays: 2 },
  };
}

/**
 * Two days of a rule's metric, one aggregated datapoint per 5 minutes as CloudWatch keeps a 1-minute metric of
 * `units` instances: SampleCount 5 × units, Sum 5 × units × the per-unit value (the load is `units × value`).
 */
async function publishHistory(
  em: Emulator,
  metric: { namespace: string; name: string; dimensions: Record<string, string> },
  units: number,
  perUnit: (t: number) => number,
  now: number,
) {
  const account = new DemoAccount(em.aws);
  const end = Math.floor(now / (5 * MIN)) * 5 * MIN;
  const points = [];
  for (let t = end - 2 * DAY; t < end; t += 5 * MIN) {
    const v = perUnit(t);
    points.push({ t, v });
  }
  const { CloudWatchClient, PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const client = new CloudWatchClient(clientOptions(em.aws));
  for (let i = 0; i < points.length; i += 500)
    await client.send(
      new PutMetricDataCommand({
        Namespace: metric.namespace,
        MetricData: points.slice(i, i + 500).map(({ t, v }) => ({
          MetricName: metric.name,
          Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
          Timestamp: new Date(t),
          StatisticValues: { SampleCount: 5 * units, Sum: 5 * units * v, Minimum: v, Maximum: v },
        })),
      }),
    );
  return account;
}

/** The predict function wired as in Lambda on the emulator, on the scaler's clock. */
async function predictOn(em: Emulator, policy: Policy, clock: { now(): Date }) {
  const account = new DemoAccount(em.aws);
  const predict = predictFunction({
    env: {
      LEDGER_TABLE: 'ledger',
      SCALEPILOT_STAGE: 'test',
      TOPIC_ARN: await account.createTopic('scalepilot-predict'),
      SCALEPILOT_SCOPE: SCOPE,
    },
    policy,
    aws: em.aws,
    clock,
    logger: capturedLog().sink,
  });
  return async () =>
    (await predict({}, lambdaContext(`predict-${clock.now().toISOString()}`) as never)) as {
      target: string;
      reason: string;
      floorNow: number;
    }[];
}

describe('predictive floors are honoured by every scaler (issue 22)', () => {
  it('scale-rds-replicas: the floor predict wrote adds a replica on a quiet source, reason PredictiveFloor', async () => {
    const policy = predictive(rdsPolicy());
    const s = await rdsScalerOnEmulator(emulator, policy);
    // The source's CPU, read by the forecast as the load: 150 percent-units, 70% a unit with the 30% buffer
    // makes ceil(150 × 1.3 / 70) = 3 replicas, the target's max.
    await publishHistory(
      emulator,
      { namespace: 'AWS/RDS', name: 'CPUUtilization', dimensions: { DBInstanceIdentifier: SOURCE } },
      1,
      (t) => 150 + 5 * Math.sin((2 * Math.PI * t) / DAY),
      s.clock.now().getTime(),
    );
    const [prediction] = await (await predictOn(emulator, policy, s.clock))();
    expect(prediction).toMatchObject({ target: 'events-db', reason: 'ForecastFloors', floorNow: 3 });
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    expect(floorAt((await ledger.read('events-db')).floors, s.clock.now())?.units).toBe(3);

    // The readers are quiet (no rule would add one): only the floor asks for more.
    await s.putLoad({ [MANUAL]: { connections: 50, cpu: 45, lag: 0 } });
    const madeByHand = emulator.calls('CreateDBInstanceReadReplica');
    const [held] = await s.schedule('tick-1');
    expect(held?.decision).toMatchObject({ reason: 'PredictiveFloor', current: 1 });
    expect(held?.decision.desired).toBeGreaterThan(1);
    expect(held?.decision.message).toContain('forecast floor 3');
    expect(emulator.calls('CreateDBInstanceReadReplica') - madeByHand).toBe(1);
    expect((await s.instances()).map((i) => i.DBInstanceIdentifier)).toContain(SP1);
    expect((await ledger.decisions('events-db')).map((d) => d.reason)).toContain('PredictiveFloor');
  });

  it('scale-cache-shards: the floor predict wrote reshards a quiet group out, reason PredictiveFloor', async () => {
    emulator.answer('DescribeScalableTargets', () => ({ ScalableTargets: [] }));
    const policy = validatePolicy({
      version: 1,
      targets: [
        {
          name: 'sessions',
          kind: 'cache-shards',
          replicationGroupId: GROUP,
          capacity: { min: 1, max: 6 },
          predictive: true,
          rules: [
            {
              name: 'engine-cpu',
              type: 'step',
              metric: { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization', statistic: 'Average' },
              scaleOut: [{ above: 70, add: 1 }],
              scaleIn: [{ below: 30, remove: 1 }],
            },
            {
              // The fullest shard (Maximum): read by the gates, not forecast (a maximum does not add up).
              name: 'memory',
              type: 'step',
              metric: {
                namespace: 'AWS/ElastiCache',
                name: 'DatabaseMemoryUsagePercentage',
                statistic: 'Maximum',
              },
              scaleOut: [{ above: 80, add: 1 }],
              scaleIn: [{ below: 40, remove: 1 }],
            },
          ],
        },
      ],
      predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 2 },
    });
    // Three shards of one replica each, with explicit slot ranges (moto's cluster mode).
    const elastiCache = new ElastiCacheClient({ ...clientOptions(emulator.aws), maxAttempts: 1 });
    await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: GROUP,
        ReplicationGroupDescription: 'predictive floors test group',
        Engine: 'valkey',
        EngineVersion: '8.0',
        CacheNodeType: 'cache.r7g.large',
        ClusterMode: 'enabled',
        NumNodeGroups: 3,
        ReplicasPerNodeGroup: 1,
        NodeGroupConfiguration: [0, 1, 2].map((i) => ({
          NodeGroupId: String(i + 1).padStart(4, '0'),
          Slots: `${Math.floor((16384 * i) / 3)}-${Math.floor((16384 * (i + 1)) / 3) - 1}`,
          ReplicaCount: 1,
        })),
      }),
    );
    const clock = testClock(new Date());
    const account = new DemoAccount(emulator.aws);
    await account.createLedgerTable('ledger');
    await account.createPauseSwitch('test');
    const { client, moto, reshards } = cacheClientOnMoto(emulator);
    const handler = createScalerHandler(
      scalerRuntimeFromEnv({
        kind: 'cache-shards',
        capacity: (aws) => elastiCacheShardScaler(aws, { client }) as never,
        logger: capturedLog().sink,
        env: {
          LEDGER_TABLE: 'ledger',
          SCALEPILOT_STAGE: 'test',
          TOPIC_ARN: await account.createTopic('scalepilot-test'),
          SCALEPILOT_SCOPE: SCOPE,
        },
        policy,
        aws: emulator.aws,
        clock,
      }),
    );

    // The group's engine CPU over its 3 shards' nodes: 3 × 60 = 180 percent-units, so the floor is
    // ceil(180 × 1.3 / 70) = 4 shards.
    await publishHistory(
      emulator,
      {
        namespace: 'AWS/ElastiCache',
        name: 'EngineCPUUtilization',
        dimensions: { ReplicationGroupId: GROUP },
      },
      3,
      (t) => 60 + 3 * Math.sin((2 * Math.PI * t) / DAY),
      clock.now().getTime(),
    );
    const [prediction] = await (await predictOn(emulator, policy, clock))();
    expect(prediction).toMatchObject({ target: 'sessions', reason: 'ForecastFloors', floorNow: 4 });

    // Each node at 45% CPU (engine and host) and 50% memory in the last minute: no rule asks for a shard, only
    // the floor does.
    const members = (
      (await moto.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: GROUP })))
        .ReplicationGroups?.[0]?.NodeGroups ?? []
    ).flatMap((g) => (g.NodeGroupMembers ?? []).map((m) => m.CacheClusterId ?? ''));
    await account.putMetrics(
      members.flatMap((node) =>
        [
          ['EngineCPUUtilization', 45],
          ['CPUUtilization', 45],
          ['DatabaseMemoryUsagePercentage', 50],
        ].map(([name, value]) => ({
          metric: { namespace: 'AWS/ElastiCache', name: String(name), dimensions: { CacheClusterId: node } },
          value: Number(value),
          timestamp: new Date(clock.now().getTime() - MIN),
        })),
      ),
    );
    const [held] = await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('tick-1'),
    );
    expect(held?.decision).toMatchObject({ reason: 'PredictiveFloor', current: 3, desired: 4 });
    expect(held?.decision.message).toContain('forecast floor 4');
    expect(reshards).toEqual([{ ReplicationGroupId: GROUP, NodeGroupCount: 4, ApplyImmediately: true }]);
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    expect((await ledger.decisions('sessions')).map((d) => d.reason)).toContain('PredictiveFloor');
  });
});
