import {
  AutoScalingClient,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  type Instance,
} from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';
import { groupPolicy } from './worldPolicies';
import { calls, decisions, run, story } from './worldRuns';

// A launch lifecycle hook whose consumer breaks, through the AWS behaviour layer: moto keeps a hook but launches
// every instance InService, so the layer holds each new instance in Pending:Wait until the hook's consumer
// completes it or its heartbeat timeout runs out, and lists each launch through the hook among the group's scaling
// activities (MidLifecycleAction while held, started at the launch). Before, Scalepilot waited the held instances
// out as warming for the whole timeout and told nobody. The group's warm-up (6 min) covers a boot of 2-5 min with
// its hook; each held instance is judged by its own launch time, whoever ordered it.

let world: ScalerWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** The group's instances as AWS shows them now (the harness's own read). */
async function instancesOf(w: ScalerWorld): Promise<Instance[]> {
  const answer = await new AutoScalingClient(clientOptions(w.layer.harnessAws)).send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }),
  );
  return answer.AutoScalingGroups?.[0]?.Instances ?? [];
}

const held = (instances: readonly Instance[]) =>
  instances.filter((i) => i.LifecycleState === 'Pending:Wait').map((i) => i.InstanceId ?? '');

const hookNotices = (w: ScalerWorld) => w.layer.notices.filter((n) => n.reason === 'LaunchHeldInHook');

describe('launches held in a lifecycle hook (waited out as warming, untold)', () => {
  it('a hook doing its work is not told; one whose consumer is down is told once, and ends when the actions are completed', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy({ instanceWarmupSeconds: 360 }) });
    world = w;
    await w.layer.asg.hooks.add('web-asg', { name: 'bootstrap', heartbeatTimeoutMinutes: 60 });
    w.demand.set('web', 1);
    await run(w, 'asg', 10);

    // A rush while the consumer works: the new instances pass through Pending:Wait within their warm-up.
    let seenWaiting = 0;
    w.demand.set('web', 2.5);
    await run(w, 'asg', 20, {
      each: async () => {
        seenWaiting += held(await instancesOf(w)).length;
      },
    });
    expect(seenWaiting, story(w)).toBeGreaterThan(0);
    expect(calls(w, 'SetDesiredCapacity').length, story(w)).toBeGreaterThan(0);
    expect(
      decisions(w).filter((d) => d.reason === 'LaunchHeldInHook'),
      story(w),
    ).toEqual([]);
    expect(w.layer.counts.get('asg.launchHeldInHook')).toBe(0);

    // The consumer dies; a second rush: its launches wait for the hook's hour.
    w.layer.asg.hooks.breakConsumer('web-asg', 180);
    w.evaluations.length = 0;
    w.demand.set('web', 4);
    await run(w, 'asg', 30);
    const waiting = held(await instancesOf(w));
    expect(waiting.length, story(w)).toBeGreaterThan(0);
    expect(w.layer.counts.get('asg.launchHeldInHook')).toBe(1);
    const told = decisions(w).filter((d) => d.reason === 'LaunchHeldInHook');
    expect(told.length, story(w)).toBeGreaterThan(0);
    expect(told.at(-1)?.message).toMatch(
      /\d+ instances? of Auto Scaling group "web-asg" in Pending:Wait past the 360 s warm-up \(i-.*\), the longest \d+ min since its launch: .*complete-lifecycle-action --auto-scaling-group-name web-asg/,
    );
    expect(hookNotices(w), story(w)).toHaveLength(1);
    // Still counted as booting: once told, nothing more is ordered on top of them.
    const firstTold = w.evaluations.find((e) => e.decision.reason === 'LaunchHeldInHook');
    const toldAt = firstTold ? (w.evaluatedAt.get(firstTold) ?? 0) : Number.POSITIVE_INFINITY;
    expect(
      calls(w, 'SetDesiredCapacity').filter((c) => c.at > toldAt),
      story(w),
    ).toEqual([]);

    // The operator completes the held actions, as the notice says: the instances go in service, the telling ends.
    const client = new AutoScalingClient(clientOptions(w.layer.harnessAws));
    for (const id of waiting)
      await client.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: 'web-asg',
          LifecycleHookName: 'bootstrap',
          InstanceId: id,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
    w.evaluations.length = 0;
    await run(w, 'asg', 10);
    expect(held(await instancesOf(w))).toEqual([]);
    expect(
      decisions(w)
        .slice(-2)
        .map((d) => d.reason),
      story(w),
    ).not.toContain('LaunchHeldInHook');
    expect(hookNotices(w)).toHaveLength(1);
  });

  it('during an instance refresh, launches held past the warm-up are told all the same (a refresh’s own go through the same hook)', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy({ instanceWarmupSeconds: 360 }) });
    world = w;
    await w.layer.asg.hooks.add('web-asg', { name: 'bootstrap', heartbeatTimeoutMinutes: 60 });
    w.demand.set('web', 1);
    await run(w, 'asg', 10);
    w.layer.asg.hooks.breakConsumer('web-asg', 120);
    w.layer.asg.instanceRefresh('web-asg', 30);
    w.demand.set('web', 2.5);
    await run(w, 'asg', 24);
    expect(w.layer.asg.refreshing('web-asg')).toBe(true);
    expect(held(await instancesOf(w)).length, story(w)).toBeGreaterThan(0);
    expect(calls(w, 'SetDesiredCapacity').length, story(w)).toBeGreaterThan(0);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('LaunchHeldInHook');
    expect(hookNotices(w), story(w)).toHaveLength(1);

    // Once the refresh ends, nothing new to tell: still once.
    await run(w, 'asg', 10);
    expect(w.layer.asg.refreshing('web-asg')).toBe(false);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('LaunchHeldInHook');
    expect(hookNotices(w), story(w)).toHaveLength(1);
  });

  it('an unhealthy instance’s replacement passing a working hook, half an hour after a scale-out: not told', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy({ instanceWarmupSeconds: 360 }) });
    world = w;
    await w.layer.asg.hooks.add('web-asg', { name: 'bootstrap', heartbeatTimeoutMinutes: 60 });
    w.demand.set('web', 1);
    await run(w, 'asg', 10);
    w.demand.set('web', 2.5);
    await run(w, 'asg', 10);
    expect(calls(w, 'SetDesiredCapacity').length, story(w)).toBeGreaterThan(0);
    // Four serve two instances' load: one fewer while its replacement boots asks for no scale-out.
    w.demand.set('web', 2);
    await run(w, 'asg', 20);
    const scaleOuts = calls(w, 'SetDesiredCapacity').length;

    const replaced = await w.layer.asg.replaceUnhealthy('web-asg');
    expect(replaced).toBeDefined();
    let seenWaiting = 0;
    await run(w, 'asg', 12, {
      each: async () => {
        seenWaiting += held(await instancesOf(w)).length;
      },
    });
    expect(seenWaiting, story(w)).toBeGreaterThan(0);
    expect(calls(w, 'SetDesiredCapacity'), story(w)).toHaveLength(scaleOuts);
    expect(
      decisions(w).filter((d) => d.reason === 'LaunchHeldInHook'),
      story(w),
    ).toEqual([]);
    expect(hookNotices(w)).toEqual([]);
  });

  it('a launch Scalepilot did not order (desired raised in the console) held past the warm-up: told once', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy({ instanceWarmupSeconds: 360 }) });
    world = w;
    await w.layer.asg.hooks.add('web-asg', { name: 'bootstrap', heartbeatTimeoutMinutes: 60 });
    // Load the group's two instances hold within its thresholds, booting or not: Scalepilot orders nothing.
    w.demand.set('web', 0.65);
    await run(w, 'asg', 10);
    w.layer.asg.hooks.breakConsumer('web-asg', 120);
    await w.layer.asg.setDesired('web-asg', 4);
    await run(w, 'asg', 14);
    expect(held(await instancesOf(w)).length, story(w)).toBe(2);
    expect(calls(w, 'SetDesiredCapacity'), story(w)).toEqual([]);
    const told = decisions(w).filter((d) => d.reason === 'LaunchHeldInHook');
    expect(told.length, story(w)).toBeGreaterThan(0);
    expect(told[0]?.message).toMatch(
      /2 instances of Auto Scaling group "web-asg" in Pending:Wait past the 360 s warm-up \(i-[0-9a-f]+, i-[0-9a-f]+\), the longest [6-9] min since its launch/,
    );
    expect(hookNotices(w), story(w)).toHaveLength(1);
    // What the scaler read it from: each held launch's activity, in progress at its lifecycle action, as AWS lists it.
    const activities = await new AutoScalingClient(clientOptions(w.layer.harnessAws)).send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }),
    );
    const waiting = held(await instancesOf(w));
    expect(
      (activities.Activities ?? [])
        .filter((a) => waiting.some((id) => a.Description === `Launching a new EC2 instance: ${id}`))
        .map((a) => ({
          status: a.StatusCode,
          waitedMinutes: (w.clock.now().getTime() - (a.StartTime?.getTime() ?? 0)) / 60_000,
        })),
    ).toEqual([
      { status: 'MidLifecycleAction', waitedMinutes: expect.any(Number) },
      { status: 'MidLifecycleAction', waitedMinutes: expect.any(Number) },
    ]);
  });

  it('with DefaultResult ABANDON the held launches are terminated at the timeout and their replacements held again: told once', async () => {
    const w = await ScalerWorld.start({ policy: groupPolicy({ instanceWarmupSeconds: 360 }) });
    world = w;
    await w.layer.asg.hooks.add('web-asg', {
      name: 'bootstrap',
      heartbeatTimeoutMinutes: 20,
      defaultResult: 'ABANDON',
    });
    w.demand.set('web', 1);
    await run(w, 'asg', 10);
    w.layer.asg.hooks.breakConsumer('web-asg', 120);
    w.demand.set('web', 5);
    await run(w, 'asg', 16);
    const first = held(await instancesOf(w));
    expect(first.length, story(w)).toBeGreaterThan(0);

    await run(w, 'asg', 24);
    const again = held(await instancesOf(w));
    expect(again.length, story(w)).toBeGreaterThan(0);
    expect(
      again.filter((id) => first.includes(id)),
      'the abandoned instances are gone',
    ).toEqual([]);
    expect(decisions(w).at(-1)?.reason, story(w)).toBe('LaunchHeldInHook');
    expect(hookNotices(w), story(w)).toHaveLength(1);
  });
});
