import {
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { RdsReplicaCapacity } from '../../shared/adapters/RdsReplicaCapacity';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { replicasPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// Issue 21, item 4: Aurora clusters through the AWS behaviour layer. Aurora Auto Scaling's scalable targets
// are moto's own (its `rds` namespace); readers come up over minutes as the layer plays them.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const aurora = (extra: Record<string, unknown> = {}) => replicasPolicy({ aurora: true, ...extra });

describe('Aurora readers through the AWS behaviour layer (issue 21, 4)', () => {
  it('a reader is created in the cluster and comes up over minutes', async () => {
    world = await ScalerWorld.start({ policy: aurora() });
    await run(world, 'rds-replicas', 16);
    expect(
      calls(world, 'CreateDBInstance').map((c) => c.detail.DBClusterIdentifier),
      story(world),
    ).toEqual(['db']);
    expect(decisions(world).some((d) => d.reason === 'OperationCompleted')).toBe(true);
  });

  it('4: a cluster with an Application Auto Scaling target on rds:cluster:ReadReplicaCount is refused, at validate and at every evaluation', async () => {
    world = await ScalerWorld.start({ policy: aurora() });
    await new ApplicationAutoScalingClient(clientOptions(world.layer.harnessAws)).send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'rds',
        ResourceId: 'cluster:db',
        ScalableDimension: 'rds:cluster:ReadReplicaCount',
        MinCapacity: 1,
        MaxCapacity: 4,
      }),
    );
    const problems = await new RdsReplicaCapacity(world.layer.harnessAws).prerequisites(
      world.policy.targets[0] as never,
    );
    expect(problems.join('\n')).toMatch(
      /Application Auto Scaling scalable target on rds:cluster:ReadReplicaCount/,
    );
    await run(world, 'rds-replicas', 10);
    expect(calls(world, 'CreateDBInstance'), story(world)).toEqual([]);
    expect(decisions(world).every((d) => d.reason === 'RdsReplicasUnsupported')).toBe(true);
    expect(world.layer.notices.filter((n) => n.reason === 'RdsReplicasUnsupported')).toHaveLength(1);
  });

  it('4: Serverless v2 readers (the writer is db.serverless) are refused unless replicaInstanceClass names a provisioned class', async () => {
    world = await ScalerWorld.start({
      policy: aurora(),
      sources: { reads: { engine: 'aurora-mysql', instanceClass: 'db.serverless' } },
    });
    await run(world, 'rds-replicas', 6);
    expect(calls(world, 'CreateDBInstance'), story(world)).toEqual([]);
    expect(decisions(world).at(-1)?.message).toMatch(/Serverless v2 \(db\.serverless\)/);
  });
});
