import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { useEmulator } from '../harness/useEmulator';

// `scalepilot backtest --cloudwatch` pulls the history with paginated GetMetricData from the emulator.
const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const emulator = useEmulator({ reset: false });
/** The CLI's environment, pointed at the emulator. */
const emulatorEnv = () => ({
  ...process.env,
  AWS_ENDPOINT_URL: emulator.endpoint,
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
});

describe('backtest --cloudwatch', () => {
  it('replays the account’s own metric history', async () => {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const points = Array.from({ length: 120 }, (_, i) => ({
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'event-platform-api' }],
      Timestamp: new Date(now - (120 - i) * 60_000),
      Value: i < 60 ? 30 : 90,
    }));
    await new CloudWatchClient(clientOptions(emulator.aws)).send(
      new PutMetricDataCommand({ Namespace: 'AWS/EC2', MetricData: points }),
    );
    const args = ['backtest', '--cloudwatch', '--namespace', 'AWS/EC2', '--metric', 'CPUUtilization'];
    args.push('--dimensions', 'AutoScalingGroupName=event-platform-api', '--days', '1');
    const env = emulatorEnv();
    const { stdout } = await run(CLI, [...args, '--json'], { env });
    const rows = JSON.parse(stdout) as { policy: string; cost: number }[];
    expect(rows.map((r) => r.policy)).toEqual([
      'oracle',
      'static-peak',
      'step-seed',
      'target-tracking',
      'hpa',
      'scalepilot',
      'scalepilot-reactive',
    ]);
    expect(emulator.calls('GetMetricData')).toBeGreaterThanOrEqual(1);
    const table = await run(CLI, args, { env });
    expect(table.stdout).toMatch(/^120 minutes/); // one row a minute, the last lasting one step
  });

  it('a metric without datapoints is one line naming its dimensions and statistic (they were left out)', async () => {
    const args = ['backtest', '--cloudwatch', '--namespace', 'AWS/EC2', '--metric', 'CPUUtilization'];
    args.push('--dimensions', 'AutoScalingGroupName=no-such-group', '--days', '1');
    const env = emulatorEnv();
    const failed = await run(CLI, args, { env }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      'no datapoints for AWS/EC2/CPUUtilization {AutoScalingGroupName=no-such-group} (Average) in the last 1 days',
    );
  });
});
