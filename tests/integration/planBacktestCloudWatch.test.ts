import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// `scalepilot backtest --plan NAME --cloudwatch` with no metric named replays the plan's own demand signal
// (the example plan's: the load balancer's RequestCount, Sum) from the emulator's CloudWatch.
const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const emulator = useEmulator({ reset: false });

describe('backtest --plan --cloudwatch', () => {
  it('reads the plan’s demand metric, with its own statistic (Sum) and dimensions', async () => {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    // Two datapoints a minute: the Sum the plan names is their total, 1,000 then 4,000 a minute.
    const points = Array.from({ length: 240 }, (_, k) => ({
      MetricName: 'RequestCount',
      Dimensions: [{ Name: 'LoadBalancer', Value: 'app/event-platform/50dc6c495c0c9188' }],
      Timestamp: new Date(now - (120 - Math.floor(k / 2)) * 60_000),
      Value: k < 120 ? 500 : 2000,
    }));
    await new CloudWatchClient(clientOptions(emulator.aws)).send(
      new PutMetricDataCommand({ Namespace: 'AWS/ApplicationELB', MetricData: points }),
    );
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    const args = [
      'backtest',
      '--policy',
      EXAMPLE_POLICY,
      '--plan',
      'ticket-rush',
      '--cloudwatch',
      '--days',
      '1',
    ];
    const out = mkdtempSync(join(tmpdir(), 'scalepilot-plan-cw-'));
    const { stdout } = await run(CLI, [...args, '--out', out], { env });
    expect(stdout).toMatch(/^plan ticket-rush: 120 minutes/);
    const demand = readFileSync(join(out, 'coordinated.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[2]));
    expect([demand[0], demand[119]]).toEqual([1000, 4000]);
    expect(emulator.calls('GetMetricData')).toBeGreaterThanOrEqual(1);
    // No datapoints of it: one line, exit 1.
    await emulator.reset();
    const failed = await run(CLI, args, { env }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr.trim()).toBe(
      'backtest --plan: plan ticket-rush: no datapoints of its demand (AWS/ApplicationELB/RequestCount) in the last 1 days',
    );
  });

  it('reads a demand named as a member’s rule: its metric, scoped to the member’s resource', async () => {
    await emulator.reset();
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const points = Array.from({ length: 90 }, (_, i) => ({
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'event-platform-api' }],
      Timestamp: new Date(now - (90 - i) * 60_000),
      Value: 40,
    }));
    await new CloudWatchClient(clientOptions(emulator.aws)).send(
      new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: points }),
    );
    const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
    policy.plans[0].demand = { rule: { member: 'api', rule: 'cpu' } };
    const file = join(mkdtempSync(join(tmpdir(), 'scalepilot-plan-rule-')), 'policy.yml');
    writeFileSync(file, stringify(policy));
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    const args = ['backtest', '--policy', file, '--plan', 'ticket-rush', '--cloudwatch', '--days', '1'];
    const { stdout } = await run(CLI, args, { env });
    expect(stdout).toMatch(/^plan ticket-rush: 90 minutes/);
  });
});
