import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { type LocalAccount, startLocalAccount } from '../../bin/lib/localAccount';
import { type ReplayResult, replay } from '../../bin/lib/replay';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { unitsFor } from '../../shared/simulate/engine';
import { backtestScenario } from '../../shared/simulate/runBacktest';
import { type MinuteSeries, parseTraceCsv, seriesWindow, toMinuteSeries } from '../../shared/simulate/trace';

const ROOT = resolve(import.meta.dirname, '../..');
const TWITTER = resolve(ROOT, '../shared/traces/Twitter_volume_AAPL.csv');
// Quiet, then the 03:02 flash crowd: the group has to scale out on the one-minute schedule alone.
const FROM = '2015-03-31T02:51:00Z';
const MINUTES = 30;

/** The example policy with `fleet.thresholdAlarms` and `fleet.targetDashboards` false, in a file of its own. */
function fleetPolicyFile(): string {
  const policy = parse(readFileSync(join(ROOT, 'examples/event-platform.scalepilot.yml'), 'utf8'));
  policy.fleet = { ...policy.fleet, thresholdAlarms: false, targetDashboards: false };
  const file = join(mkdtempSync(join(tmpdir(), 'scalepilot-fleet-local-')), 'scalepilot.yml');
  writeFileSync(file, stringify(policy));
  return file;
}

// Issue 23: `npm start` with a fleet's policy. moto's CloudFormation skips alarms, so the local account creates
// the policy's threshold alarms itself: with `fleet.thresholdAlarms: false`, none, as the stack has none; the
// replay then wakes the scalers on their one-minute schedule only, and the stack's one dashboard is the fleet's.
describe('npm start with fleet.thresholdAlarms and fleet.targetDashboards false', () => {
  const full = toMinuteSeries(parseTraceCsv(readFileSync(TWITTER, 'utf8'), TWITTER), false);
  const series: MinuteSeries = seriesWindow(full, Date.parse(FROM), MINUTES, TWITTER);
  const alarmsSeen: string[] = [];
  const errors: string[] = [];
  let local: LocalAccount;
  let result: ReplayResult;

  beforeAll(async () => {
    const file = fleetPolicyFile();
    const policy = parse(readFileSync(file, 'utf8'));
    const api = policy.targets.find((t: { name: string }) => t.name === 'api');
    const scenario = backtestScenario(series.load, 'asg', api);
    local = await startLocalAccount({
      policyFile: file,
      stage: 'fleet',
      initialCapacity: (t) => (t.kind === 'asg' ? unitsFor(series.load[0] ?? 0, scenario) : t.capacity.min),
    });
    result = await replay(local, {
      series,
      driven: new Map([['api', scenario]]),
      speed: 0,
      onAlarm: (alarm) => alarmsSeen.push(alarm.alarmName),
      onError: (fn, error) => errors.push(`${fn}: ${error instanceof Error ? error.message : String(error)}`),
    });
  }, 900_000);

  afterAll(async () => {
    await local?.stop();
  });

  it('creates no threshold alarm in the emulator', async () => {
    expect(local.alarms).toEqual([]);
    const described = await new CloudWatchClient(clientOptions(local.emulator.aws)).send(
      new DescribeAlarmsCommand({}),
    );
    expect(described.MetricAlarms ?? []).toEqual([]);
  });

  it('scales the group out on the one-minute schedule alone, with no alarm event and no error', () => {
    expect(errors).toEqual([]);
    expect(alarmsSeen).toEqual([]);
    expect(new Set(result.decisions.map((d) => d.trigger))).toEqual(new Set(['schedule']));
    const ordered = result.timelines.get('api')?.ordered ?? [];
    expect(Math.max(...ordered)).toBeGreaterThan(ordered[0] as number);
  });

  it('deploys one dashboard of the whole fleet', async () => {
    const dashboard = await new CloudWatchClient(clientOptions(local.emulator.aws)).send(
      new GetDashboardCommand({ DashboardName: 'scalepilot-fleet' }),
    );
    const titles = JSON.parse(dashboard.DashboardBody ?? '{}').widgets.map(
      (w: { properties: { title: string } }) => w.properties.title,
    );
    expect(titles).toContain('all targets: decisions per reason');
    expect(titles).not.toContain('api: scaling metrics');
  });
});
