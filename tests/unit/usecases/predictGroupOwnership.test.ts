import { describe, expect, it } from 'vitest';
import { FORECAST_ACTION_PREFIX } from '../../../shared/decision/scheduledFloors';
import type { Decision } from '../../../shared/decision/types';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import type { InMemoryLedger } from '../../harness/inMemoryPorts';
import type { InMemoryScheduledActions } from '../../harness/predictPorts';
import { leftovers, ours, policyWith, setUp, T0 } from './predictScheduleFixtures';

// The groups predict writes its scheduled MinSize actions to and deletes them from (issue 20, item 6): those
// tagged as this stack's, not another stage's or an untagged one, and none whose scale-outs the scaler holds.

describe('predict deletes the actions the policy no longer produces (defect: a disabled predictor raised floors for a day)', () => {
  it.each([
    { name: 'its ownership tag still on the group: set back', owner: 'this' as const, setBack: true },
    {
      name: 'its ownership tag removed, the group not predictive (the role may write nothing there): left untouched, and said how to clean up',
      owner: undefined,
      setBack: false,
    },
  ])(
    'predictive: false on the target, MinSize raised, $name (defect: a delete and put the role may not make failed the run)',
    async ({ owner, setBack }) => {
      const { deps, ledger, groups } = setUp(policyWith({}, { predictive: false }));
      for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
      groups.minSize = 5;
      groups.owner = owner;
      await predictTargets(deps);
      const left = [...groups.actions.values()].filter((a) => a.name.startsWith(FORECAST_ACTION_PREFIX));
      if (setBack) {
        expect(left.map((a) => a.minSize)).toEqual([2]);
        expect(ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved')?.message).toContain(
          'MinSize 5 goes back to 2',
        );
        return;
      }
      // Not a call on the group: AWS would refuse the delete as the put (AccessDenied).
      expect(left.map((a) => a.name)).toEqual([...leftovers('api')].map(([name]) => name));
      const message = ledger.log.find((d) => d.reason === 'ScheduledActionsLeft')?.message ?? '';
      expect(message).toContain(
        '3 scheduled MinSize action(s) of api left on group g (the target has predictive: false)',
      );
      expect(message).toContain('`aws autoscaling batch-delete-scheduled-action --auto-scaling-group-name g');
      expect(message).toContain(
        '`aws autoscaling update-auto-scaling-group --auto-scaling-group-name g --min-size 2` sets the MinSize they raised (5) back',
      );
    },
  );

  it('a target removed from the policy: its actions go on a group tagged as this stack’s, not on another stage’s or an untagged one', async () => {
    const { deps, ledger, groups } = setUp(policyWith());
    const other = (owner?: 'this' | 'other') => ({
      actions: new Map(leftovers('gone')),
      ...(owner ? { owner } : {}),
    });
    groups.others.set('old-group', other('this'));
    groups.others.set('staging-group', other('other'));
    groups.others.set('untagged-group', other());
    await predictTargets(deps);
    expect(groups.others.get('old-group')?.actions.size).toBe(0);
    expect(groups.others.get('staging-group')?.actions.size).toBe(3);
    expect(groups.others.get('untagged-group')?.actions.size).toBe(3);
    expect(
      ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved').map((d) => [d.target, d.message]),
    ).toEqual([
      ['gone', expect.stringContaining('on group old-group: the target is no longer in the policy')],
    ]);
  });

  it('tags a group before its first scheduled action, so it can clean up after the target leaves', async () => {
    const { deps, groups } = setUp(policyWith());
    await predictTargets(deps);
    expect(groups.owner).toBe('this');
  });

  // Defect: two stages whose policies both hold one group re-tagged it as their own each hour, and each replaced
  // the other's MinSize actions (they share the name prefix): the group's MinSize followed whichever ran last.
  it('a group carrying another stage’s actions: none written, not re-tagged, that stage’s kept, told why', async () => {
    const { deps, ledger, groups } = setUp(policyWith());
    groups.owner = 'other';
    groups.otherStage = 'staging';
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    const [prediction] = await predictTargets(deps);
    expect(groups.owner).toBe('other');
    expect(ours(groups)).toHaveLength(3);
    expect(prediction?.scheduledActions).toBeUndefined();
    expect((await ledger.read('api')).floors).toBeDefined();
    expect(prediction?.decision.message).toContain(
      "no scheduled actions: group g carries stage staging's (tagged scalepilot:forecast-actions=staging), and two stages would replace each other's every hour",
    );
  });

  // Review s51: predict put MinSize raises on a group the scaler holds (its own scaling policy, or Launch
  // suspended): a raise pulls desired up at AWS's end, around the scaler's gate.
  it.each([
    {
      name: 'its own scaling policy (the scaler refuses it: ScalingPolicyConflict)',
      hold: (h: Held) =>
        h.ledger.record(
          {
            target: 'api',
            kind: 'asg',
            reason: 'ScalingPolicyConflict',
            current: 2,
            desired: 2,
            message: 'refused',
            metrics: {},
          } as unknown as Decision,
          { trigger: 'schedule', applied: false, dryRun: false, now: new Date(T0) },
          { scalingPolicyArns: ['arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x'] },
        ),
      why: 'its own scaling policies change its capacity (ScalingPolicyConflict)',
    },
    {
      name: 'its Launch process suspended',
      hold: (h: Held) => {
        h.groups.launchSuspended = true;
      },
      why: 'its Launch process is suspended',
    },
  ])(
    'a group the scaler holds gets no MinSize raise: $name; its earlier ones go, the set-back put',
    async ({ hold, why }) => {
      const { deps, ledger, groups } = setUp(policyWith());
      await hold({ ledger, groups });
      groups.owner = 'this';
      for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
      groups.minSize = 5;
      const [prediction] = await predictTargets(deps);
      expect(prediction?.decision.message).toContain(
        `no scheduled actions: the scaler holds group g's scale-outs (${why}), and a MinSize raise would pull its desired capacity up around that; deleted the 3 scheduled MinSize action(s)`,
      );
      expect(ours(groups).map((n) => groups.actions.get(n)?.minSize)).toEqual([2]);
      // The floors stay the ledger's: the scaler decides with them once it may.
      expect((await ledger.read('api')).floors).toBeDefined();
    },
  );
});

interface Held {
  readonly ledger: InMemoryLedger;
  readonly groups: InMemoryScheduledActions;
}
