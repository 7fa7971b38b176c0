import { randomUUID } from 'node:crypto';
import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { LayerContext } from './layerContext';
import { MINUTE } from './layerContext';
import type { MotoQuery } from './motoQuery';
import { type AwsCall, queryError, queryResult } from './protocol';

/** A launch lifecycle hook on a group (PutLifecycleHook, `autoscaling:EC2_INSTANCE_LAUNCHING`). */
export interface LaunchHookSpec {
  readonly name: string;
  /** HeartbeatTimeout in minutes: AWS takes 30 to 7200 s, 3600 by default. */
  readonly heartbeatTimeoutMinutes?: number;
  /** What AWS does when the timeout runs out: CONTINUE puts the instance in service, ABANDON terminates it. */
  readonly defaultResult?: 'CONTINUE' | 'ABANDON';
}

interface Hook {
  readonly name: string;
  readonly heartbeatTimeoutMinutes: number;
  readonly defaultResult: 'CONTINUE' | 'ABANDON';
  /** The hook's consumer (a queue's worker, a bootstrap script) completes no action before this, virtual ms. */
  consumerDownUntil?: number;
  /** Whether a launch has been held by this outage yet (counted once an outage). */
  heldThisOutage?: boolean;
}

/** One instance's lifecycle action: launched at `launchedAt`, in Pending:Wait until `endsAt`, then `result`. */
interface Wait {
  readonly group: string;
  readonly launchedAt: number;
  endsAt: number;
  result: 'CONTINUE' | 'ABANDON';
  /** ABANDON carried out: the instance was terminated (and AWS launched its replacement). */
  abandoned?: boolean;
}

/** How long an instance shows `Pending:Proceed` once its hook is done, before it is in service. */
const PROCEED_MINUTES = 1;

/** The scaling activity of a launch through a hook, as DescribeScalingActivities shows it (virtual ms). */
export interface HookLaunchActivity {
  readonly instanceId: string;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly status: 'MidLifecycleAction' | 'InProgress' | 'Successful' | 'Cancelled';
  /** Why it was cancelled (ABANDON), in AWS's words. */
  readonly statusMessage?: string;
}

/**
 * Launch lifecycle hooks on the virtual clock (moto keeps a hook, PutLifecycleHook, but launches every instance
 * InService): each new instance of a group with a hook waits in `Pending:Wait` until the hook's consumer completes
 * its action (when it has booted: the consumer runs the bootstrap), or, while the consumer is down, until the
 * hook's heartbeat timeout runs out; then `Pending:Proceed`, then InService, or, with DefaultResult ABANDON,
 * terminated, and the group launches a replacement, which waits in the same hook. CompleteLifecycleAction ends a
 * wait at once (EC2 Auto Scaling user guide, "Amazon EC2 Auto Scaling lifecycle hooks", "Complete a lifecycle
 * action").
 */
export class LaunchHooks {
  private readonly hooks = new Map<string, Hook>();
  private readonly waits = new Map<string, Wait>();

  constructor(
    private readonly context: LayerContext,
    private readonly moto: MotoQuery,
  ) {}

  /** Someone puts a launch hook on the group (kept in moto too, so DescribeLifecycleHooks lists it). */
  async add(group: string, spec: LaunchHookSpec): Promise<void> {
    const hook: Hook = {
      name: spec.name,
      heartbeatTimeoutMinutes: spec.heartbeatTimeoutMinutes ?? 60,
      defaultResult: spec.defaultResult ?? 'CONTINUE',
    };
    await this.moto('autoscaling', {
      Action: 'PutLifecycleHook',
      AutoScalingGroupName: group,
      LifecycleHookName: hook.name,
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING',
      HeartbeatTimeout: String(hook.heartbeatTimeoutMinutes * 60),
      DefaultResult: hook.defaultResult,
    });
    this.hooks.set(group, hook);
  }

  /** The hook's consumer stops completing actions for `minutes` (a dead queue consumer, a failing bootstrap). */
  breakConsumer(group: string, minutes: number): void {
    const hook = this.hooks.get(group);
    if (!hook) throw new Error(`no launch hook on ${group}`);
    hook.consumerDownUntil = this.context.now() + minutes * MINUTE;
    hook.heldThisOutage = false;
  }

  /**
   * A new instance of `group` first seen at `now`, booted by `booted`: with a hook on the group, its action starts
   * and ends when it has booted (the consumer completes it) or, while the consumer is down, at the heartbeat timeout.
   */
  launched(group: string, id: string, now: number, booted: number): void {
    const hook = this.hooks.get(group);
    if (!hook) return;
    const down = hook.consumerDownUntil !== undefined && now < hook.consumerDownUntil;
    if (down && !hook.heldThisOutage) this.context.counts.count('asg.launchHeldInHook');
    if (down) hook.heldThisOutage = true;
    const endsAt = down
      ? now + hook.heartbeatTimeoutMinutes * MINUTE
      : Math.max(now, booted - PROCEED_MINUTES * MINUTE);
    this.waits.set(id, { group, launchedAt: now, endsAt, result: down ? hook.defaultResult : 'CONTINUE' });
  }

  /**
   * The launch activities of the group's instances launched with a hook, at `now`: `MidLifecycleAction` while the
   * instance waits in Pending:Wait, started when it was launched; `InProgress` in Pending:Proceed; then `Successful`,
   * ended when it went in service, or `Cancelled` (ABANDON) with AWS's status message (EC2 Auto Scaling user guide,
   * "Tutorial: Configure a lifecycle hook that invokes a Lambda function", and the API reference's Activity).
   */
  activities(group: string, now: number): HookLaunchActivity[] {
    return [...this.waits]
      .filter(([, wait]) => wait.group === group)
      .map(([instanceId, wait]): HookLaunchActivity => {
        const start = { instanceId, startedAt: wait.launchedAt };
        if (now < wait.endsAt) return { ...start, status: 'MidLifecycleAction' };
        if (wait.result === 'ABANDON')
          return {
            ...start,
            endedAt: wait.endsAt,
            status: 'Cancelled',
            statusMessage: `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${randomUUID()} was abandoned: Lifecycle Action Completed with ABANDON Result`,
          };
        const inService = wait.endsAt + PROCEED_MINUTES * MINUTE;
        return now < inService
          ? { ...start, status: 'InProgress' }
          : { ...start, endedAt: inService, status: 'Successful' };
      });
  }

  /**
   * The lifecycle state of an instance launched with a hook: `Pending:Wait` while held, `Pending:Proceed` for a
   * minute after, then InService (or Terminating, ABANDON); undefined for an instance launched without one.
   */
  stateOf(id: string, now: number): string | undefined {
    const wait = this.waits.get(id);
    if (!wait) return undefined;
    if (now < wait.endsAt) return 'Pending:Wait';
    if (wait.result === 'ABANDON') return 'Terminating';
    return now < wait.endsAt + PROCEED_MINUTES * MINUTE ? 'Pending:Proceed' : 'InService';
  }

  /** Terminates the instances whose action ended ABANDON (moto launches each one's replacement). */
  async settle(now: number): Promise<void> {
    for (const [id, wait] of this.waits)
      if (wait.result === 'ABANDON' && !wait.abandoned && now >= wait.endsAt) {
        wait.abandoned = true;
        await this.moto('autoscaling', {
          Action: 'TerminateInstanceInAutoScalingGroup',
          InstanceId: id,
          ShouldDecrementDesiredCapacity: 'false',
        });
      }
  }

  /** CompleteLifecycleAction by instance id: its wait ends now with the result given. */
  complete(call: AwsCall): EmulatorAnswer {
    const id = call.params.get('InstanceId') ?? '';
    const wait = this.waits.get(id);
    const group = call.params.get('AutoScalingGroupName') ?? '';
    const hook = this.hooks.get(group);
    const now = this.context.now();
    if (
      !wait ||
      wait.group !== group ||
      now >= wait.endsAt ||
      hook?.name !== call.params.get('LifecycleHookName')
    )
      return queryError('ValidationError', `No active Lifecycle Action found with instance ID ${id}`);
    wait.endsAt = now;
    wait.result = call.params.get('LifecycleActionResult') === 'ABANDON' ? 'ABANDON' : 'CONTINUE';
    return queryResult('CompleteLifecycleAction', '');
  }
}
