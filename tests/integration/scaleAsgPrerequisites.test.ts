import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient, PutScalingPolicyCommand } from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// `scalepilot validate --check-account` and `scalepilot plan` as the operator runs them (the real CLI in a
// child process) against moto: a group its own AWS scaling policy scales is told before a deploy, not at its
// first scale-out (the scaler reads a group's policies only when it is about to act). moto keeps a group's
// policies and never runs them.
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-asg-prereq-'));
const GROUP = 'event-platform-api';

const emulator = useEmulator({ reset: false });
beforeEach(() => emulator.reset());

function policyFile(name: string): string {
  const api = examplePolicy().targets.find((t) => t.name === 'api');
  const file = join(dir, `${name}.yml`);
  writeFileSync(file, stringify({ version: 1, targets: [api] }));
  return file;
}

const cli = (...args: string[]) => cliOnEmulator(emulator.endpoint, ...args);

async function group(policy?: { type: 'TargetTrackingScaling' | 'PredictiveScaling' }) {
  await new DemoAccount(emulator.aws).createAutoScalingGroup(GROUP, { min: 2, max: 10, desired: 2 });
  if (!policy) return;
  const client = new AutoScalingClient(clientOptions(emulator.aws));
  await client.send(
    new PutScalingPolicyCommand(
      policy.type === 'TargetTrackingScaling'
        ? {
            AutoScalingGroupName: GROUP,
            PolicyName: 'cpu50',
            PolicyType: 'TargetTrackingScaling',
            TargetTrackingConfiguration: {
              PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' },
              TargetValue: 50,
            },
          }
        : {
            AutoScalingGroupName: GROUP,
            PolicyName: 'forecast',
            PolicyType: 'PredictiveScaling',
            PredictiveScalingConfiguration: {
              MetricSpecifications: [
                {
                  TargetValue: 50,
                  PredefinedMetricPairSpecification: { PredefinedMetricType: 'ASGCPUUtilization' },
                },
              ],
              Mode: 'ForecastOnly',
            },
          },
    ),
  );
}

describe('validate --check-account: an Auto Scaling group Scalepilot cannot manage, in one line', () => {
  it.each([
    { name: 'a group without scaling policies', setUp: () => group(), problem: undefined },
    {
      name: 'a group with a predictive policy that only forecasts',
      setUp: () => group({ type: 'PredictiveScaling' }),
      problem: undefined,
    },
    {
      name: 'a group its own target-tracking policy scales',
      setUp: () => group({ type: 'TargetTrackingScaling' }),
      problem: `Auto Scaling group "${GROUP}" has its own scaling policy (cpu50 (TargetTrackingScaling)) that changes its desired capacity: two autoscalers would fight; delete it or remove this target`,
    },
    {
      name: 'a group that does not exist',
      setUp: async () => undefined,
      problem: `Auto Scaling group "${GROUP}" does not exist`,
    },
  ])('$name', async ({ name, setUp, problem }) => {
    await setUp();
    const file = policyFile(name.replace(/\W+/g, '-'));
    const result = await cli('validate', file, '--check-account');
    if (problem === undefined) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      return;
    }
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `${file}: targets[0] "api".autoScalingGroupName: ${problem}`,
    ]);
    expect(result.stdout).toBe('');
  });
});

describe('plan tells it too, for a group that would not act now', () => {
  it('a quiet group with a target-tracking policy: the line on stderr, exit 1', async () => {
    await group({ type: 'TargetTrackingScaling' });
    const result = await cli('plan', policyFile('plan'), '--json');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has its own scaling policy (cpu50 (TargetTrackingScaling))');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});
