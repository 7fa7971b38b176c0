import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AutoScalingCapacity } from '../../../shared/adapters/AutoScalingCapacity';
import { scalerRuntimeFromEnv } from '../../../shared/lambda/scalerRuntimeFromEnv';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import {
  fanOutBatches,
  MAX_FAN_OUT_BATCHES,
  runPlan,
  SCALER_TIMEOUT_SECONDS,
} from '../../../shared/policy/runPlan';
import type { PolicyInput, TargetKind } from '../../../shared/policy/schema';
import { examplePolicy, seedStepTargetInput } from '../../harness/fixtures';

// Issue 23: the `fleet` keys, each shown changing what a run may do.

const example = examplePolicy();
const withFleet = (fleet: PolicyInput['fleet'], extraGroups = 0) =>
  validatePolicy({
    version: 1,
    targets: [
      ...(example.targets as PolicyInput['targets']),
      ...Array.from({ length: extraGroups }, (_, i) =>
        seedStepTargetInput({ name: `g-${i}`, autoScalingGroupName: `g-${i}` }),
      ),
    ],
    fleet,
  });

describe('the fleet keys', () => {
  it.each<{ name: string; fleet: PolicyInput['fleet']; kind: TargetKind; rate: number }>([
    { name: 'defaults: half of 20 Auto Scaling calls a second', fleet: {}, kind: 'asg', rate: 10 },
    { name: 'apiSharePercent sets the share', fleet: { apiSharePercent: 25 }, kind: 'asg', rate: 5 },
    {
      name: 'accountRatePerSecond.autoscaling sets the Auto Scaling rate',
      fleet: { accountRatePerSecond: { autoscaling: 40 } },
      kind: 'asg',
      rate: 20,
    },
    {
      name: 'accountRatePerSecond.rds sets the RDS rate (documented default 12)',
      fleet: { accountRatePerSecond: { rds: 30 } },
      kind: 'rds-replicas',
      rate: 15,
    },
    {
      name: 'accountRatePerSecond.elasticache sets the ElastiCache rate',
      fleet: { accountRatePerSecond: { elasticache: 8 } },
      kind: 'cache-shards',
      rate: 4,
    },
  ])('$name', ({ fleet, kind, rate }) => {
    const policy = withFleet(fleet);
    expect(runPlan(policy, kind).runRatePerSecond).toBe(rate);
    // The function's runtime holds each run to it.
    const runtime = scalerRuntimeFromEnv({
      kind,
      capacity: (aws) => new AutoScalingCapacity(aws),
      logger: { info() {}, warn() {}, error() {} },
      env: {
        LEDGER_TABLE: 't',
        SCALEPILOT_STAGE: 's',
        TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
        SCALEPILOT_SCOPE: '123456789012#us-east-1',
      },
      policy,
    });
    expect(runtime.apiBudget?.usage().ratePerSecond).toEqual({
      [{ asg: 'autoscaling', 'rds-replicas': 'rds', 'cache-shards': 'elasticache' }[kind]]: rate,
    });
  });

  it.each([
    {
      name: 'targetsPerRun.asg: more groups than a run takes fan out, and share the rate',
      perRun: 2,
      groups: 4,
      batches: 3,
    },
    { name: 'a policy within one run does not fan out', perRun: 2000, groups: 4, batches: 1 },
  ])('$name', ({ perRun, groups, batches }) => {
    const plan = runPlan(withFleet({ targetsPerRun: { asg: perRun } }, groups), 'asg');
    expect(plan).toMatchObject({ targets: groups + 1, perRun, batches, runRatePerSecond: 10 / batches });
    expect(fanOutBatches(['a', 'b', 'c', 'd', 'e'], batches).map((b) => b.length)).toEqual(
      batches === 3 ? [2, 2, 1] : [5],
    );
  });

  it.each([
    { key: 'rds-replicas', max: 300 },
    { key: 'cache-shards', max: 200 },
  ] as const)(
    'targetsPerRun.$key sets that kind’s batches, at most $max (the measured capacity)',
    ({ key, max }) => {
      expect(runPlan(withFleet({ targetsPerRun: { [key]: 1 } }), key).perRun).toBe(1);
      expect(() => withFleet({ targetsPerRun: { [key]: max + 1 } })).toThrow(`fleet.targetsPerRun.${key}`);
    },
  );

  it('plans with the scalers’ timeout and reserved concurrency as serverless.yml sets them', () => {
    const yml = readFileSync(new URL('../../../serverless.yml', import.meta.url), 'utf8');
    expect(Number(/provider:[\s\S]*?\n {2}timeout: (\d+)/.exec(yml)?.[1])).toBe(SCALER_TIMEOUT_SECONDS);
    // The batches of a minute run at once beside the scheduled run and an alarm's.
    for (const fn of ['scaleAsg', 'scaleRdsReplicas', 'scaleCacheShards'])
      expect(
        Number(new RegExp(`\\n {2}${fn}:[\\s\\S]*?reservedConcurrency: (\\d+)`).exec(yml)?.[1]) - 2,
      ).toBe(MAX_FAN_OUT_BATCHES);
  });
});
