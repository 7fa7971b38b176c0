import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { SoakInvariants } from '../harness/awsBehaviour/soak/soakInvariants';
import { groupPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// The soak's episodes for an Auto Scaling group's own gates, and their checks: instances protected from
// scale-in (ScaleInProtected), an instance refresh (scale-out through it, scale-in after it) and someone's
// scaling policy attached (ScalingPolicyConflict). Each check also sees the call it forbids, made through the
// functions' endpoint as if the scaler had made it.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Runs the group's scaler, the soak's invariants checked after every step. */
async function checked(w: ScalerWorld, invariants: SoakInvariants, minutes: number): Promise<void> {
  await run(w, 'asg', minutes, { each: () => invariants.afterStep(w, new Map()) });
  invariants.afterStep(w, new Map());
}

/** The group's desired capacity now. */
const desiredOf = async (w: ScalerWorld) =>
  (
    await new AutoScalingClient(clientOptions(w.layer.aws)).send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
    )
  ).AutoScalingGroups?.[0]?.DesiredCapacity ?? Number.NaN;

/** A SetDesiredCapacity through the functions' endpoint (logged as theirs). */
const setDesired = (w: ScalerWorld, desired: number) =>
  new AutoScalingClient(clientOptions(w.layer.aws)).send(
    new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: desired }),
  );

describe('the soak’s Auto Scaling gate episodes', () => {
  it('instances protected from scale-in: the scaler stops at them; the check sees a scale-in below them', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy() });
    world = w;
    const invariants = new SoakInvariants(w.policy);
    w.demand.set('web', 6);
    await checked(w, invariants, 30);
    expect(await w.layer.asg.protectFromScaleIn('web-asg', 4, 60)).toBe(4);
    expect(w.layer.counts.get('asg.scaleInProtected')).toBe(1);
    w.demand.set('web', 0.5);
    await checked(w, invariants, 40);
    const asked = w.layer.asg.setsOnProtected.map((s) => s.to);
    expect(asked.length, story(w)).toBeGreaterThan(0);
    expect(Math.min(...asked), story(w)).toBe(4);
    expect(invariants.violations).toEqual([]);

    await setDesired(w, 2);
    invariants.afterStep(w, new Map());
    expect(invariants.violations).toEqual([
      expect.stringMatching(
        /SetDesiredCapacity 4 → 2 on web-asg .* below its 4 instances protected from scale-in/,
      ),
    ]);
  });

  it('an instance refresh: the scaler scales out through it and scales in after it; the check sees a scale-in during it', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy() });
    world = w;
    const invariants = new SoakInvariants(w.policy);
    w.demand.set('web', 2);
    await checked(w, invariants, 20);
    const desired = () => desiredOf(w);
    const before = await desired();
    // A two-hour rollout starts, and a rush with it: the group grows during the refresh (it was held before).
    w.layer.asg.instanceRefresh('web-asg', 120);
    expect(w.layer.counts.get('asg.instanceRefresh')).toBe(1);
    w.demand.set('web', 8);
    await checked(w, invariants, 30);
    const grown = await desired();
    expect(grown, story(w)).toBeGreaterThan(before);
    expect(w.layer.asg.setsDuringRefresh.some((s) => s.to > s.from)).toBe(true);
    // The rush ends; the refresh runs on: no scale-in until it ends, each held minute said why.
    w.demand.set('web', 1);
    await checked(w, invariants, 60);
    expect(await desired(), story(w)).toBe(grown);
    expect(decisions(w).at(-1), story(w)).toMatchObject({
      reason: 'AsgBusy',
      message: expect.stringContaining('a scale-in waits for it to end'),
    });
    expect(invariants.violations).toEqual([]);
    // The refresh ends (120 minutes after it started): the group comes down.
    await checked(w, invariants, 40);
    expect(w.layer.asg.refreshing('web-asg')).toBe(false);
    expect(await desired(), story(w)).toBeLessThan(grown);
    expect(invariants.violations).toEqual([]);

    w.layer.asg.instanceRefresh('web-asg', 30);
    await setDesired(w, (await desired()) - 1);
    invariants.afterStep(w, new Map());
    expect(invariants.violations).toEqual([
      expect.stringMatching(/SetDesiredCapacity \d+ → \d+ on web-asg .* during instance refresh /),
    ]);
  });

  it('Terminate suspended alone: the scaler scales out, and scales in once it is resumed', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy() });
    world = w;
    const invariants = new SoakInvariants(w.policy);
    w.demand.set('web', 2);
    await checked(w, invariants, 20);
    const before = await desiredOf(w);
    // An operator stops scale-in for an incident; a rush comes (the group was held both ways before).
    await w.layer.asg.suspend('web-asg', ['Terminate']);
    w.demand.set('web', 8);
    await checked(w, invariants, 30);
    const grown = await desiredOf(w);
    expect(grown, story(w)).toBeGreaterThan(before);
    w.demand.set('web', 1);
    await checked(w, invariants, 30);
    expect(await desiredOf(w), story(w)).toBe(grown);
    expect(decisions(w).at(-1)?.message, story(w)).toContain(
      "held: the group's Terminate process is suspended, and a scale-in waits for it to resume",
    );
    await w.layer.asg.resume('web-asg');
    await checked(w, invariants, 30);
    expect(await desiredOf(w), story(w)).toBeLessThan(grown);
    expect(invariants.violations).toEqual([]);
  });

  it('someone’s scaling policy: no change and one notice while it is attached; the check sees a change', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy() });
    world = w;
    const invariants = new SoakInvariants(w.policy);
    w.demand.set('web', 1);
    await checked(w, invariants, 10);
    const before = calls(w, 'SetDesiredCapacity').length;
    expect(await w.layer.asg.attachScalingPolicy('web-asg', 'cpu50-1', 30)).toBe(true);
    expect(w.layer.counts.get('foreign.scalingPolicy')).toBe(1);
    w.demand.set('web', 6);
    await checked(w, invariants, 24);
    expect(calls(w, 'SetDesiredCapacity').length, story(w)).toBe(before);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('ScalingPolicyConflict');
    expect(w.layer.notices.filter((n) => n.reason === 'ScalingPolicyConflict')).toHaveLength(1);
    expect(invariants.violations).toEqual([]);

    await setDesired(w, 5);
    invariants.afterStep(w, new Map());
    expect(invariants.violations).toEqual([
      expect.stringMatching(
        /SetDesiredCapacity 5 on web-asg \(ok\) while its scaling policy cpu50-1 is attached/,
      ),
    ]);
    // Deleted when its time has come: the scaler scales the group again.
    await checked(w, invariants, 16);
    expect(w.layer.asg.scalingPolicyOn('web-asg')).toBeUndefined();
  });
});
