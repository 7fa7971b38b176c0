import { afterEach, describe, expect, it } from 'vitest';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { groupPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// An EC2 capacity shortfall through the AWS behaviour layer: moto places every instance at once, so the
// layer hides the ones EC2 could not place and lists their failed launches in DescribeScalingActivities.
// Before, Scalepilot waited the missing instances out as warming and told nobody.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

describe('an EC2 capacity shortfall (issue 21: waited out as warming, untold)', () => {
  it('is told once while it lasts, asks AWS for no more than the rules need, and ends when EC2 places the instances', async () => {
    world = await ScalerWorld.start({ policy: groupPolicy() });
    // Five instances' worth of load; EC2 can place three of the group's instances for the next 40 minutes.
    world.demand.set('web', 5);
    world.layer.asg.shortfall('web-asg', 3, 40, 'm5.large');
    await run(world, 'asg', 40);
    const during = decisions(world);
    const shortfalls = during.filter((d) => d.reason === 'CapacityShortfall');
    expect(shortfalls.length, story(world)).toBeGreaterThan(0);
    expect(shortfalls[0]?.message).toMatch(
      /could not launch \d+ of the \d+ ordered; its latest launch failed: .*m5\.large capacity/,
    );
    expect(world.layer.notices.filter((n) => n.reason === 'CapacityShortfall')).toHaveLength(1);
    // Three serving, two more asked: desired never climbs past what the rules need of three.
    const asked = calls(world, 'SetDesiredCapacity').map((c) => Number(c.detail.DesiredCapacity));
    expect(Math.max(...asked), story(world)).toBeLessThanOrEqual(5);

    world.evaluations.length = 0;
    await run(world, 'asg', 20);
    expect(
      decisions(world).filter((d) => d.reason === 'CapacityShortfall'),
      story(world),
    ).toEqual([]);
  });
});
