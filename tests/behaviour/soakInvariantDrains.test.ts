import {
  AddTagsToResourceCommand,
  CreateDBInstanceReadReplicaCommand,
  DeleteDBInstanceCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
} from '@aws-sdk/client-rds';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { SoakInvariants } from '../harness/awsBehaviour/soak/soakInvariants';
import { replicasPolicy } from './worldPolicies';

// The soak's "never fewer than min healthy replicas serving" check, seed 12345: it counted replicas made
// again under names drained before (soak-db-sp-3 and -sp-5) as still drained, and took a drain that left
// two replicas serving for one that left none; a replica whose drain was cancelled it counted the same way. The calls go through the layer as the
// functions' would (recorded, with their outcome); each row fails without its fix.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:db:${id}`;
const DRAINING = [{ Key: 'scalepilot:draining', Value: '2026-03-01T00:00:00Z' }];

async function start() {
  const w = await ScalerWorld.start({ policy: replicasPolicy() });
  world = w;
  const rds = new RDSClient(clientOptions({ ...w.layer.aws, maxAttempts: 1 }));
  const invariants = new SoakInvariants(w.policy);
  /** One step: the call, then the invariants against the account as the step began. */
  const step = async (send: () => Promise<unknown>, minutes = 1) => {
    const before = new Map(
      w.layer.rds.instances().map((i) => [i.id, { status: i.status, replication: i.replication }]),
    );
    await send();
    invariants.afterStep(w, before);
    await w.advance(minutes);
  };
  const create = (id: string) =>
    rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: id,
        SourceDBInstanceIdentifier: 'db',
        Tags: [
          { Key: 'scalepilot:managed', Value: 'true' },
          { Key: 'scalepilot:target', Value: 'reads' },
        ],
      }),
    );
  const drain = (id: string) =>
    rds.send(new AddTagsToResourceCommand({ ResourceName: arn(id), Tags: DRAINING }));
  const cancel = (id: string) =>
    rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn(id), TagKeys: ['scalepilot:draining'] }));
  const remove = (id: string) =>
    rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
  await step(() => create('db-sp-1'), 25);
  await step(() => create('db-sp-2'), 25);
  expect(w.layer.rds.instances().map((i) => i.status)).toEqual(['available', 'available']);
  return { w, invariants, step, create, drain, cancel, remove };
}

describe('the soak’s minimum-serving check (issue 21, seed 12345)', () => {
  it('a replica whose drain was cancelled serves again', async () => {
    const { invariants, step, drain, cancel } = await start();
    await step(() => drain('db-sp-1'));
    await step(() => cancel('db-sp-1'));
    await step(() => drain('db-sp-2')); // db-sp-1 serves: one left, the minimum
    expect(invariants.violations).toEqual([]);
  });

  it('a replica made again under a name drained and deleted before has never been drained', async () => {
    const { w, invariants, step, create, drain, remove } = await start();
    await step(() => drain('db-sp-1'));
    await step(() => remove('db-sp-1'), 10);
    expect(w.layer.rds.status('db-sp-1')).toBeUndefined();
    await step(() => create('db-sp-1'), 25);
    expect(w.layer.rds.status('db-sp-1')).toBe('available');
    await step(() => drain('db-sp-2')); // the new db-sp-1 serves
    expect(invariants.violations).toEqual([]);
  });

  it('still fails a drain that leaves no replica serving', async () => {
    const { invariants, step, drain } = await start();
    await step(() => drain('db-sp-1'));
    await step(() => drain('db-sp-2'));
    expect(invariants.violations).toEqual([
      'AddTagsToResource of healthy db-sp-2 left 0 healthy replica(s), below min 1',
    ]);
  });
});
