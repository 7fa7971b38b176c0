import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  AutoScalingClient,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  PutScheduledUpdateGroupActionCommand,
  SetInstanceProtectionCommand,
  UpdateAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import { setPaused } from '../../bin/lib/killSwitch';
import { applyRelease, ReleaseInterruptedError, releasePorts } from '../../bin/lib/release';
import { groupSteps } from '../../bin/lib/releaseSteps';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { forecastActionName } from '../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy } from '../../shared/policy/schema';
import { examplePolicy, testClock } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Issue 20, item 5: `scalepilot release` took no pause and no lease, deleted replicas without draining them
// and left their reader-discovery entries, and left predict's scheduled actions. Against moto, in-process
// (with a virtual clock for the waits) and once through the real CLI. The cache's release goes through the
// scale-in gates (tests/unit/release/cacheRelease.test.ts: moto answers resharding with HTTP 500).

const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const emulator = useEmulator();
const STAGE = 'test';
const SCOPE = '123456789012#us-east-1';
const READERS = '/db/readers';

/** The example policy without its cache, the database published through an SSM parameter, drained 60 s. */
function policy(): Policy {
  const example = JSON.parse(JSON.stringify(examplePolicy()));
  example.targets = example.targets.filter((t: { kind: string }) => t.kind !== 'cache-shards');
  // The example's plan names the cache, which this policy leaves out.
  example.plans = [];
  const db = example.targets.find((t: { kind: string }) => t.kind === 'rds-replicas');
  db.readerDiscovery = { ssmParameterName: READERS };
  db.drainSeconds = 60;
  return validatePolicy(example);
}

const asg = () => new AutoScalingClient(clientOptions(emulator.aws));
const rds = () => new RDSClient(clientOptions(emulator.aws));

/** An account as a while of Scalepilot leaves it: scaled out, two replicas of its own, predict's actions. */
async function scaledOut(p: Policy) {
  const [api, db] = p.targets;
  if (api?.kind !== 'asg' || db?.kind !== 'rds-replicas') throw new Error('policy changed');
  const account = new DemoAccount(emulator.aws);
  await account.createLedgerTable('ledger');
  await account.createPauseSwitch(STAGE);
  await account.createAutoScalingGroup(api.autoScalingGroupName, { min: 2, max: 10, desired: 7 });
  await account.createAutoScalingGroup('old-group', { min: 1, max: 5, desired: 1 });
  await account.createDbInstance(db.sourceDbInstanceIdentifier);
  await new RdsReplicaCapacity(emulator.aws).setCapacity(db, 3);
  for (const id of ['event-platform-db-manual', 'event-platform-db-sp-9'])
    await rds().send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: db.sourceDbInstanceIdentifier,
      }),
    );
  // Predict raised MinSize with its actions and tagged the group; a target that left the policy left some.
  await asg().send(
    new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: api.autoScalingGroupName, MinSize: 4 }),
  );
  const soon = new Date(Date.now() + 3_600_000);
  for (const [group, target, owner] of [
    [api.autoScalingGroupName, 'api', STAGE],
    ['old-group', 'gone', STAGE],
  ] as const) {
    await asg().send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: group,
            ResourceType: 'auto-scaling-group',
            Key: 'scalepilot:forecast-actions',
            Value: owner,
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
    await asg().send(
      new PutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: group,
        ScheduledActionName: forecastActionName(target, soon),
        StartTime: soon,
        MinSize: 4,
      }),
    );
  }
  await asg().send(
    new PutScheduledUpdateGroupActionCommand({
      AutoScalingGroupName: api.autoScalingGroupName,
      ScheduledActionName: 'operator-nightly',
      StartTime: soon,
      MinSize: 3,
    }),
  );
  return { api, db };
}

/** Release in-process: the real adapters on moto, a virtual clock and sleep, the real switch and ledger. */
function deps(clock = testClock(new Date()), log: (line: string) => void = () => {}) {
  const ports = releasePorts(emulator.aws, STAGE);
  return {
    ...ports,
    clock,
    sleep: async (ms: number) => clock.advance(ms / 1000),
    stage: STAGE,
    pause: async () => void (await setPaused(emulator.aws, STAGE, true)),
    ledger: new DynamoLedger(emulator.aws, 'ledger', SCOPE),
    log,
  };
}

async function instances() {
  return ((await rds().send(new DescribeDBInstancesCommand({}))).DBInstances ?? [])
    .filter((i) => i.DBInstanceStatus !== 'deleting')
    .map((i) => i.DBInstanceIdentifier)
    .sort();
}
const group = async (name: string) =>
  (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
    .AutoScalingGroups?.[0];
const actions = async (name: string) =>
  (await releasePorts(emulator.aws, STAGE).scheduled.scheduledActions(name)).map((a) => a.name).sort();
const switchValue = async () =>
  (
    await new SSMClient(clientOptions(emulator.aws)).send(
      new GetParameterCommand({ Name: `/scalepilot/${STAGE}/paused` }),
    )
  ).Parameter?.Value;
const readers = async () =>
  (await new SSMClient(clientOptions(emulator.aws)).send(new GetParameterCommand({ Name: READERS })))
    .Parameter?.Value;

/** What a finished release leaves, whatever happened on the way. */
async function expectReleased(api: { autoScalingGroupName: string }) {
  // Scalepilot's three replicas went (the hand-made ones count towards the minimum of 1, and stay).
  expect(await instances()).toEqual([
    'event-platform-db',
    'event-platform-db-manual',
    'event-platform-db-sp-9',
  ]);
  const g = await group(api.autoScalingGroupName);
  expect([g?.DesiredCapacity, g?.MinSize]).toEqual([2, 2]);
  expect(g?.Tags?.some((t) => t.Key === 'scalepilot:forecast-actions')).toBe(false);
  expect(await actions(api.autoScalingGroupName)).toEqual(['operator-nightly']);
  expect(await actions('old-group')).toEqual([]);
  expect(await switchValue()).toBe('true');
  // The replicas that went are out of reader discovery: only the ones that stay are published.
  const published = (await readers())?.split(',') ?? [];
  expect(published.length).toBeGreaterThan(0);
  expect(published.some((e) => /-sp-[123]\./.test(e))).toBe(false);
}

describe('scalepilot release, coordinated (defect: no pause, no lease, no drain, discovery and scheduled actions left)', () => {
  it('pauses, drains each replica out of reader discovery before deleting it, waits its drain time, returns the group and deletes predict’s actions', async () => {
    const p = policy();
    const { api } = await scaledOut(p);
    const lines: string[] = [];
    const clock = testClock(new Date());
    const d = deps(clock, (l) => lines.push(l));
    // Observe the order: when a replica is deleted, discovery must already be without it.
    const act = d.rds.act.bind(d.rds);
    const atDelete: string[] = [];
    d.rds.act = async (target, action, observation) => {
      if (action.type === 'delete') atDelete.push(`${String(action.replica)}: ${await readers()}`);
      return act(target, action, observation);
    };
    const started = clock.now().getTime();
    const { failed } = await applyRelease(p, d);
    expect(failed).toBe(0);
    expect(lines[0]).toBe(
      'paused stage test (/scalepilot/test/paused = true): the functions stop changing anything',
    );
    expect(
      lines
        .filter((l) => l.startsWith('done: events-db'))
        .map((l) => l.split(':')[2]?.trim().split(' ').slice(0, 3).join(' ')),
    ).toEqual([
      'drain replica event-platform-db-sp-3',
      'drain replica event-platform-db-sp-2',
      'drain replica event-platform-db-sp-1',
      'wait for readers',
      'delete replica event-platform-db-sp-3',
      'delete replica event-platform-db-sp-2',
      'delete replica event-platform-db-sp-1',
    ]);
    expect(atDelete).toHaveLength(3);
    for (const entry of atDelete) {
      const [replica, published] = entry.split(': ');
      expect(published, entry).not.toContain(replica);
    }
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(60_000); // the drain time was waited
    expect(lines.at(-1)).toBe(
      'stage test stays paused: run sls remove next (scalepilot resume lifts the pause)',
    );
    await expectReleased(api);
  });

  // AWS lowers desired below instances protected from scale-in and terminates none of them until their
  // protection is lifted: the step says so (moto keeps them running too).
  it('says which instances AWS keeps running below the desired it sets: those protected from scale-in', async () => {
    const p = policy();
    const { api } = await scaledOut(p);
    const name = api.autoScalingGroupName;
    const group = (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups?.[0];
    const ids = (group?.Instances ?? []).slice(0, 4).map((i) => i.InstanceId as string);
    await asg().send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: name,
        InstanceIds: ids,
        ProtectedFromScaleIn: true,
      }),
    );
    const steps = await groupSteps(api, releasePorts(emulator.aws, STAGE));
    expect(steps.map((s) => s.description)).toContain(
      `group ${name}: desired 7 → 2 (SetDesiredCapacity); 4 of its instances are protected from scale-in: AWS keeps them running until their protection is lifted`,
    );
  });

  it('waits for an evaluation holding a target’s lease to finish before touching it', async () => {
    const p = policy();
    await scaledOut(p);
    const clock = testClock(new Date());
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE);
    await ledger.acquireLease('api', 'scaler-run', clock.now(), 5);
    const lines: string[] = [];
    const started = clock.now().getTime();
    await applyRelease(
      p,
      deps(clock, (l) => lines.push(l)),
    );
    expect(lines).toContain('    api: waiting for an evaluation in flight to finish (its lease)');
    const firstChange = lines.findIndex((l) => l.startsWith('done: api'));
    expect(firstChange).toBeGreaterThan(
      lines.indexOf('    api: waiting for an evaluation in flight to finish (its lease)'),
    );
    expect(clock.now().getTime() - started).toBeGreaterThanOrEqual(5_000);
  });

  it('stops with a clear message when someone resumes the stage mid-release; a second run finishes', async () => {
    const p = policy();
    const { api } = await scaledOut(p);
    const d = deps();
    const act = d.rds.act.bind(d.rds);
    d.rds.act = async (target, action, observation) => {
      const result = await act(target, action, observation);
      if (action.type === 'drain') await setPaused(emulator.aws, STAGE, false); // `scalepilot resume`
      return result;
    };
    const deletesBefore = emulator.calls('DeleteDBInstance');
    const stopped = applyRelease(p, d);
    await expect(stopped).rejects.toThrow(ReleaseInterruptedError);
    await expect(stopped).rejects.toThrow(
      /release stopped before "events-db: drain replica .*": the kill switch of stage test was lifted \(scalepilot resume\?\)\. Nothing more was changed; run scalepilot release again/,
    );
    expect(emulator.calls('DeleteDBInstance')).toBe(deletesBefore);
    await applyRelease(p, deps());
    await expectReleased(api);
  });

  it('a release killed mid-way (after its first replica delete) finishes on a second run, nothing done twice', async () => {
    const p = policy();
    const { api } = await scaledOut(p);
    const crash = new Error('killed');
    const first = deps(testClock(new Date()), (line) => {
      if (line.startsWith('done: events-db: delete replica')) throw crash;
    });
    await expect(applyRelease(p, first)).rejects.toBe(crash);
    expect(await instances()).toHaveLength(5); // one of the three went before the crash
    const deletesBefore = emulator.calls('DeleteDBInstance');
    const lines: string[] = [];
    const { failed } = await applyRelease(
      p,
      deps(testClock(new Date()), (l) => lines.push(l)),
    );
    expect(failed).toBe(0);
    expect(emulator.calls('DeleteDBInstance') - deletesBefore).toBe(2); // only the replicas left to delete
    await expectReleased(api);
  });

  it('the CLI: --dry-run prints every step and changes nothing (not even the switch); --yes releases', async () => {
    const p = validatePolicy({
      ...JSON.parse(JSON.stringify(policy())),
      targets: policy().targets.map((t) => (t.kind === 'rds-replicas' ? { ...t, drainSeconds: 1 } : t)),
    });
    await scaledOut(p);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    };
    const file = `${emulator.endpoint.replace(/\W/g, '')}.yml`;
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { stringify } = await import('yaml');
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-release-'));
    writeFileSync(join(dir, file), stringify(JSON.parse(JSON.stringify(p))));
    const cli = (...args: string[]) =>
      run(
        CLI,
        [
          'release',
          join(dir, file),
          '--stage',
          STAGE,
          '--table',
          'ledger',
          '--endpoint',
          emulator.endpoint,
          ...args,
        ],
        { env },
      );
    const before = await instances();
    const dry = await cli('--dry-run');
    expect(dry.stdout).toContain('will api: group event-platform-api: desired 7 → 2 (SetDesiredCapacity)');
    expect(dry.stdout).toMatch(/will events-db: drain replica event-platform-db-sp-3 of event-platform-db/);
    expect(dry.stdout).toContain(
      'keep replica event-platform-db-manual of event-platform-db (not created by Scalepilot for this target)',
    );
    expect(dry.stdout).toContain('dry run: changed nothing');
    expect(await instances()).toEqual(before);
    expect(await switchValue()).toBe('false');
    // Neither --yes nor a terminal to ask on: a refusal, exit 1 (it exited 0, and `release && sls remove` went on
    // to remove a stage still scaling).
    const unconfirmed = await cli().then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(unconfirmed?.code).toBe(1);
    expect(unconfirmed?.stderr).toMatch(
      /^changed nothing \(\d+ change\(s\) planned; the stage was not paused\): run with --yes to apply$/m,
    );
    expect(await instances()).toEqual(before);
    expect(await switchValue()).toBe('false');
    const applied = await cli('--yes');
    expect(applied.stdout).toContain('paused stage test');
    expect(applied.stdout).toContain('done: api: group event-platform-api: desired 7 → 2');
    expect(await switchValue()).toBe('true');
    expect(await cli('--yes')).toMatchObject({ stdout: expect.stringContaining('nothing to release') });
    // Resumed with every target at its minimum: a release still pauses the stage (before, it left it scaling).
    await run(CLI, ['resume', '--stage', STAGE, '--endpoint', emulator.endpoint], { env });
    expect(await switchValue()).toBe('false');
    const again = await cli('--yes');
    expect(again.stdout).toContain('nothing to release: every target is at its minimum; pausing the stage');
    expect(again.stdout).toContain('paused stage test');
    expect(await switchValue()).toBe('true');
  }, 120_000);
});
