import {
  AutoScalingClient,
  DeletePolicyCommand,
  DescribeAutoScalingGroupsCommand,
  PutScalingPolicyCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import {
  alarmActionEvent,
  asgScalerOnEmulator,
  examplePolicy,
  groupDesiredCapacity,
  lambdaContext,
  seedStepTargetInput,
  testClock,
} from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Against moto (its groups keep their policies and never run them). A group with its own target-tracking
// policy: before, Scalepilot raised its desired capacity and the group's policy would set it back.
const GROUP = 'event-platform-api';
const ALARM_CPU_HIGH = 'scalepilot-test.api.cpu.gt70';

const emulator = useEmulator();

const policy = (): Policy => ({
  ...examplePolicy(),
  targets: examplePolicy().targets.filter((t) => t.kind === 'asg'),
  plans: [],
});

const autoScaling = () => new AutoScalingClient(clientOptions(emulator.aws));

const desiredCapacity = () => groupDesiredCapacity(emulator, GROUP);

describe('scale-asg: a group its own AWS scaling policy scales', () => {
  it('is not changed: the decision names the policy and what to do, and the operators are told once', async () => {
    const clock = testClock(new Date());
    const { handler, account } = await asgScalerOnEmulator(emulator, policy(), clock);
    await account.createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
    await autoScaling().send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: GROUP,
        PolicyName: 'cpu50',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
          TargetValue: 50,
        },
      }),
    );
    const hot = async () =>
      account.putMetric(
        { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: GROUP } },
        85,
        new Date(clock.now().getTime() - 60_000),
      );
    const notices = () => emulator.calls('Publish') + emulator.calls('PublishBatch');

    await hot();
    const [first] = await handler(
      alarmActionEvent(ALARM_CPU_HIGH, 'ALARM', clock.now()),
      lambdaContext('r1'),
    );
    expect(first?.decision).toMatchObject({ reason: 'ScalingPolicyConflict', current: 2, desired: 2 });
    expect(first?.decision.message).toContain(
      `Auto Scaling group "${GROUP}" has its own scaling policy (cpu50 (TargetTrackingScaling)) that changes its desired capacity: two autoscalers would fight; delete it or remove this target`,
    );
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(await desiredCapacity()).toBe(2);
    expect(notices()).toBe(1);

    // A minute later, still hot: still refused, not told again.
    clock.advance(60);
    await hot();
    const [second] = await handler(
      { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
      lambdaContext('tick'),
    );
    expect(second?.decision.reason).toBe('ScalingPolicyConflict');
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect(await desiredCapacity()).toBe(2);
    expect(notices()).toBe(1);
    const logged = await new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1').decisions('api');
    expect(logged.map((d) => d.reason)).toEqual(['ScalingPolicyConflict', 'ScalingPolicyConflict']);
  });
});

// Calls of one scheduled run, counted at the emulator's proxy. A refused group used to take the lease path every
// minute for as long as it stayed refused: lease, ledger and group read again under it, its instance refreshes,
// the account's policies, the record's transaction, the release (six calls of its own, two more per batch).
describe('scale-asg: a group refused for its own scaling policies, minute after minute', () => {
  const groups = ['g0', 'g1', 'g2'];
  const policyOf = (group: string) => `${group}-cpu50`; // moto keeps one policy per name, whatever the group
  const putPolicy = (group: string, name = policyOf(group)) =>
    autoScaling().send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: group,
        PolicyName: name,
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
          TargetValue: 50,
        },
      }),
    );
  const deletePolicy = (group: string, name = policyOf(group)) =>
    autoScaling().send(new DeletePolicyCommand({ AutoScalingGroupName: group, PolicyName: name }));

  /** The three groups (2..10, desired 2), a target each (CPU > 70 adds 2), and a clock on a minute's half. */
  async function setUp() {
    const clock = testClock(new Date(Math.floor(Date.now() / 60_000) * 60_000 + 30_000));
    const policy = validatePolicy({
      version: 1,
      targets: groups.map((g) => seedStepTargetInput({ name: `t-${g}`, autoScalingGroupName: g })),
    });
    const { handler, account } = await asgScalerOnEmulator(emulator, policy, clock);
    for (const g of groups) await account.createAutoScalingGroup(g, { min: 2, max: 10, desired: 2 });
    /** One scheduled run with each group's CPU as given (85: its rule asks for 2 more): calls by operation. */
    const run = async (cpu: Record<string, number>) => {
      clock.advance(60);
      await account.putMetrics(
        groups.map((g) => ({
          metric: { namespace: 'AWS/EC2', name: 'CPUUtilization', dimensions: { AutoScalingGroupName: g } },
          value: cpu[g] ?? 50,
          timestamp: new Date(clock.now().getTime() - 60_000),
        })),
      );
      const from = emulator.actions().length;
      const evaluations = await handler(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: clock.now().toISOString() },
        lambdaContext(`run-${clock.now().toISOString()}`),
      );
      const calls: Record<string, number> = {};
      for (const op of emulator.actions().slice(from)) calls[op] = (calls[op] ?? 0) + 1;
      const reasons = Object.fromEntries(evaluations.map((e) => [e.decision.target, e.decision.reason]));
      return { calls, reasons, evaluations };
    };
    const ledger = new DynamoLedger(emulator.aws, 'ledger', '123456789012#us-east-1');
    // The subjects of the notices sent to the topic, as they reach the emulator.
    const told: string[] = [];
    emulator.intercept(async (call, forward) => {
      if (call.action === 'Publish' || call.action === 'PublishBatch')
        for (const [key, value] of new URLSearchParams(call.body.toString('utf8')))
          if (/(^|\.)Subject$/.test(key)) told.push(value);
      return forward();
    });
    return { run, ledger, told };
  }
  afterEach(() => emulator.intercept(undefined));
  const hot = { g0: 85, g1: 85, g2: 85 };

  it('after the run that tells it, each run costs what three groups changing nothing cost, and one DescribePolicies for all three (was 6 calls a group and 2 a batch)', async () => {
    const { run, ledger, told } = await setUp();
    for (const g of groups) await putPolicy(g);

    const first = await run(hot);
    expect(first.reasons).toEqual({
      't-g0': 'ScalingPolicyConflict',
      't-g1': 'ScalingPolicyConflict',
      't-g2': 'ScalingPolicyConflict',
    });
    // The refusal is learnt where every action is decided: under the lease, with every policy read.
    expect(first.calls).toEqual({
      GetItem: 1, // where the run starts
      GetParameter: 1, // the kill switch
      BatchGetItem: 2, // the ledger: first look, under the leases
      DescribeAutoScalingGroups: 2,
      GetMetricData: 1,
      UpdateItem: 6, // lease and release each
      DescribePolicies: 1, // the account's listing, for the three about to act
      DescribeInstanceRefreshes: 3,
      TransactWriteItems: 3, // each refusal recorded with its policies' ARNs
      PublishBatch: 1, // told, once
    });

    for (const minute of [2, 3, 4]) {
      const later = await run(hot);
      expect(later.reasons, `minute ${minute}`).toEqual(first.reasons);
      expect(later.calls, `minute ${minute}`).toEqual({
        GetItem: 1,
        GetParameter: 1,
        BatchGetItem: 1, // the first look's ledger read
        DescribeAutoScalingGroups: 1,
        GetMetricData: 1,
        DescribePolicies: 1, // the three groups' policies asked for again by ARN, in one call
        TransactWriteItems: 1, // the three windows
        BatchWriteItem: 1, // the three log entries
      });
    }
    expect(emulator.calls('SetDesiredCapacity')).toBe(0);
    expect([...told].sort()).toEqual(
      groups.map((g) => `Scalepilot: t-${g} ScalingPolicyConflict (2 instances, nothing changed)`),
    );
    // Every skip is recorded, with the policy it names.
    const logged = await ledger.decisions('t-g1');
    expect(logged.map((d) => d.reason)).toEqual(Array(4).fill('ScalingPolicyConflict'));
    expect(logged.at(-1)?.message).toContain('has its own scaling policy (g1-cpu50 (TargetTrackingScaling))');
  });

  it('a policy deleted: the group acts in the next run; replaced by another: still refused; added to a group that was not: refused before it acts', async () => {
    const { run, ledger, told } = await setUp();
    await putPolicy('g0');
    await putPolicy('g1');
    expect((await run({ g0: 85, g1: 85 })).reasons).toEqual({
      't-g0': 'ScalingPolicyConflict',
      't-g1': 'ScalingPolicyConflict',
      't-g2': 'NoThresholdBreached',
    });

    await deletePolicy('g0');
    await deletePolicy('g1');
    await putPolicy('g1', 'g1-steps');
    await putPolicy('g2');
    const next = await run(hot);
    expect(next.reasons).toEqual({
      't-g0': 'ScaleOut',
      't-g1': 'ScalingPolicyConflict',
      't-g2': 'ScalingPolicyConflict',
    });
    expect(emulator.calls('SetDesiredCapacity')).toBe(1);
    expect((await desiredCapacities()).g0).toBe(4);
    expect((await ledger.decisions('t-g1')).at(-1)?.message).toContain('(g1-steps (TargetTrackingScaling))');
    // What the next first look asks for again: g1's new policy; nothing for g0, which has none.
    expect((await ledger.read('t-g1')).scalingPolicyArns).toEqual([
      expect.stringMatching(/:autoScalingGroupName\/g1:policyName\/g1-steps$/),
    ]);
    expect(await ledger.read('t-g0')).not.toHaveProperty('scalingPolicyArns');
    // Told once each: g1's refusal was told already (its policy changed, not the reason).
    expect([...told].sort()).toEqual([
      'Scalepilot: t-g0 ScalingPolicyConflict (2 instances, nothing changed)',
      'Scalepilot: t-g0 scaled out 2 → 4',
      'Scalepilot: t-g1 ScalingPolicyConflict (2 instances, nothing changed)',
      'Scalepilot: t-g2 ScalingPolicyConflict (2 instances, nothing changed)',
    ]);

    // A minute on: g0 resumed for good; g1 and g2 refused without a lease, their new policies asked for again.
    const after = await run(hot);
    expect(after.reasons['t-g1']).toBe('ScalingPolicyConflict');
    expect(after.reasons['t-g2']).toBe('ScalingPolicyConflict');
    expect(after.calls.DescribePolicies).toBe(1);
    expect(after.calls.DescribeInstanceRefreshes).toBeUndefined();
    expect((await desiredCapacities()).g1).toBe(2);
    expect((await desiredCapacities()).g2).toBe(2);
  });

  async function desiredCapacities(): Promise<Record<string, number | undefined>> {
    const response = await autoScaling().send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups }),
    );
    return Object.fromEntries(
      (response.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName, g.DesiredCapacity]),
    );
  }
});
