import { describe, expect, it } from 'vitest';
import type { LocalAccount } from '../../bin/lib/localAccount';
import { replay, VirtualClock } from '../../bin/lib/replay';
import { emulatorConfig } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { functionByKind } from '../../shared/policy/targetResource';
import { backtestScenario } from '../../shared/simulate/runBacktest';
import { startAwsBehaviour } from '../harness/awsBehaviour/awsBehaviour';
import { SCOPE, ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { examplePolicy } from '../harness/fixtures';
import { startTestEmulator } from '../harness/motoPool';
import { replicasPolicy } from './worldPolicies';
import { decisions, run } from './worldRuns';

// Issue 21, item 12: a 5xx whose body is an HTML page (a front end, or the emulator overloaded) is a
// transient failure: retried by the SDK, then recorded as such; and the local account (`npm start`) rides
// out the emulator's concurrency limits.

describe('5xx answers with an HTML body (issue 21, 12)', () => {
  it('12: retried by the SDK; one that persists is recorded as a transient server failure, not a parse error', async () => {
    const world = await ScalerWorld.start({ policy: replicasPolicy() });
    try {
      world.layer.html.inject('TransactWriteItems', 2); // two in a row: the third attempt goes through
      await run(world, 'rds-replicas', 2);
      expect(decisions(world).at(-1)?.reason).toBe('OutOfRange');
      world.layer.html.inject('DescribeDBInstances', 3, 502); // every attempt of one call
      await run(world, 'rds-replicas', 2);
      const failed = decisions(world).at(-1);
      expect(failed?.reason).toBe('DescribeFailed');
      expect(failed?.message).toMatch(
        /HTTP 502 with a body that is no AWS answer \(an HTML error page\): a transient server failure, still failing after 3 attempt/,
      );
      expect(failed?.message).not.toMatch(/Unexpected token/);
    } finally {
      await world.stop();
    }
  });

  it('12: the local emulator takes the functions’ concurrent DynamoDB transactions (moto answered some with HTML 500s)', async () => {
    const emulator = await startTestEmulator();
    try {
      const aws = { ...emulator.aws, maxAttempts: 1 };
      await new DemoAccount(aws).createLedgerTable('ledger');
      const ledger = new DynamoLedger(aws, 'ledger', '123456789012#us-east-1');
      const now = new Date('2026-03-02T00:00:00Z');
      const record = (i: number) =>
        ledger.record(
          {
            target: `t${i}`,
            kind: 'asg',
            current: 2,
            desired: 2,
            recommendation: 2,
            direction: 'none',
            reason: 'WithinTolerance',
            message: '',
            metrics: {},
          },
          { trigger: 'schedule', applied: false, dryRun: false, now },
        );
      for (let i = 0; i < 400; i += 1) await record(i); // a table of some size: moto copies it per transaction
      const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => record(1000 + i)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    } finally {
      await emulator.stop();
    }
  });

  it('12: npm start’s replay completes with no error while the emulator answers bursts of HTML 500s', async () => {
    const clock = new VirtualClock(Date.parse('2026-03-02T00:00:00Z'));
    const layer = await startAwsBehaviour({ clock, seed: 12, rates: false });
    try {
      const policy = examplePolicy();
      // The local account's own configuration: the emulator with its patient retries.
      const aws = emulatorConfig(layer.emulator.endpoint);
      const account = new DemoAccount(aws);
      await account.createLedgerTable('ledger');
      await account.createPauseSwitch('local');
      const topicArn = await account.createTopic('scalepilot-local');
      for (const t of policy.targets) {
        if (t.kind === 'asg')
          await account.createAutoScalingGroup(t.autoScalingGroupName, { ...t.capacity, desired: 2 });
        if (t.kind === 'rds-replicas') await account.createDbInstance(t.sourceDbInstanceIdentifier);
        if (t.kind === 'cache-shards')
          await account.createReplicationGroup(t.replicationGroupId, t.capacity.min);
      }
      const env = {
        LEDGER_TABLE: 'ledger',
        TOPIC_ARN: topicArn,
        SCALEPILOT_STAGE: 'local',
        SCALEPILOT_SCOPE: SCOPE,
      };
      const functions = new Map<string, { name: string; arn: string; env: Record<string, string> }>(
        Object.values(functionByKind).map((fn) => [
          fn,
          {
            name: `scalepilot-local-${fn}`,
            arn: `arn:aws:lambda:us-east-1:123456789012:function:scalepilot-local-${fn}`,
            env,
          },
        ]),
      );
      const alarms = [];
      for (const alarm of alarmDefinitions(policy, 'local'))
        alarms.push({
          ...alarm,
          alarmArn: await account.putAlarm(alarm, functions.get(alarm.functionName as string)?.arn ?? ''),
        });
      const local = {
        emulator: { ...layer.emulator, aws },
        account,
        policy,
        stage: 'local',
        functions,
        alarms,
        stop: async () => {},
      } as unknown as LocalAccount;
      const load = Array.from({ length: 12 }, (_, m) => 100 + 30 * m);
      const series = { start: clock.now().getTime(), load, stepMinutes: 1 };
      const asg = policy.targets.find((t) => t.kind === 'asg');
      if (!asg) throw new Error('the example policy has a group');
      const errors: string[] = [];
      await replay(local, {
        series,
        driven: new Map([[asg.name, backtestScenario(load, 'asg', asg)]]),
        speed: 0,
        // Every few minutes the emulator is overloaded: three HTML 500s in a row on the ledger's writes.
        onMinute: ({ minute }) => {
          if (minute % 4 === 1) layer.html.inject('TransactWriteItems', 3);
        },
        onError: (fn, error) =>
          errors.push(`${fn}: ${error instanceof Error ? error.message : String(error)}`),
      });
      expect(layer.counts.get('html5xx')).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await layer.stop();
    }
  });
});
