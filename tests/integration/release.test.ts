import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateDBInstanceReadReplicaCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { EXAMPLE_POLICY, examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Issue 11, item 17: replicas and shards Scalepilot created kept running (and billing) after `sls remove`.
// `scalepilot release` as the operator runs it, against moto. The cache path above its minimum needs
// ModifyReplicationGroupShardConfiguration, which moto answers with a 500: tests/unit/release covers it.
const run = promisify(execFile);
const CLI = new URL('../../bin/scalepilot', import.meta.url).pathname;
const emulator = useEmulator({ reset: false });

async function release(...args: string[]) {
  return run(CLI, ['release', EXAMPLE_POLICY, '--endpoint', emulator.endpoint, ...args], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    },
  });
}

describe('scalepilot release (defect: what Scalepilot created outlives sls remove)', () => {
  it('deletes only tagged replicas above the minimum and returns the group to its minimum; plan first', async () => {
    const policy = examplePolicy();
    const [api, db, cache] = policy.targets;
    if (api?.kind !== 'asg' || db?.kind !== 'rds-replicas' || cache?.kind !== 'cache-shards')
      throw new Error('example policy changed');
    const account = new DemoAccount(emulator.aws);
    await account.createAutoScalingGroup(api.autoScalingGroupName, { min: 2, max: 10, desired: 7 });
    await account.createDbInstance(db.sourceDbInstanceIdentifier);
    await account.createReplicationGroup(cache.replicationGroupId, cache.capacity.min);
    // Two replicas by Scalepilot (tagged), one by hand, and one by hand with a Scalepilot-like name.
    await new RdsReplicaCapacity(emulator.aws).setCapacity(db, 2);
    const rds = new RDSClient(clientOptions(emulator.aws));
    for (const id of ['event-platform-db-manual', 'event-platform-db-sp-9'])
      await rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: id,
          SourceDBInstanceIdentifier: db.sourceDbInstanceIdentifier,
        }),
      );
    const instances = async () =>
      ((await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [])
        .filter((i) => i.DBInstanceStatus !== 'deleting')
        .map((i) => i.DBInstanceIdentifier)
        .sort();
    const desired = async () =>
      (
        await new AutoScalingClient(clientOptions(emulator.aws)).send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [api.autoScalingGroupName] }),
        )
      ).AutoScalingGroups?.[0]?.DesiredCapacity;
    const before = await instances();
    expect(before).toEqual([
      'event-platform-db',
      'event-platform-db-manual',
      'event-platform-db-sp-1',
      'event-platform-db-sp-2',
      'event-platform-db-sp-9',
    ]);

    const changes = () => emulator.calls('DeleteDBInstance') + emulator.calls('SetDesiredCapacity');
    const deletesBefore = emulator.calls('DeleteDBInstance');
    const plan = await release();
    expect(plan.stdout).toContain('will api: group event-platform-api: desired 7 → 2 (SetDesiredCapacity)');
    expect(plan.stdout).toMatch(/will events-db: delete replica event-platform-db-sp-2 of event-platform-db/);
    expect(plan.stdout).toMatch(/will events-db: delete replica event-platform-db-sp-1 of event-platform-db/);
    expect(plan.stdout).toContain(
      'keep replica event-platform-db-manual of event-platform-db (not created by Scalepilot)',
    );
    expect(plan.stdout).toContain(
      'keep replica event-platform-db-sp-9 of event-platform-db (not created by Scalepilot)',
    );
    expect(plan.stdout).toContain(
      'sessions-cache: replication group event-platform-redis at 3 shards, its minimum',
    );
    expect(plan.stdout).toContain('changed nothing (3 change(s) planned); run with --yes to apply');
    expect(changes()).toBe(deletesBefore);
    expect(await instances()).toEqual(before);
    expect(await desired()).toBe(7);

    const applied = await release('--yes');
    expect(applied.stdout).toContain('done: api: group event-platform-api: desired 7 → 2');
    expect(emulator.calls('DeleteDBInstance') - deletesBefore).toBe(2);
    expect(await instances()).toEqual([
      'event-platform-db',
      'event-platform-db-manual',
      'event-platform-db-sp-9',
    ]);
    expect(await desired()).toBe(2);

    // Run again: nothing left to release, nothing touched.
    const afterApply = changes();
    const again = await release('--yes');
    expect(again.stdout).toContain('nothing to release: every target is at its minimum');
    expect(changes()).toBe(afterApply);
  });
});
