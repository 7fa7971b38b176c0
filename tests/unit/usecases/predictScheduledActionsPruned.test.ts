import { describe, expect, it } from 'vitest';
import { FORECAST_ACTION_PREFIX, forecastActionName } from '../../../shared/decision/scheduledFloors';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { leftovers, ours, policyWith, setUp } from './predictScheduleFixtures';

// Issue 20, item 6 on the predict function: switching a target to forecast-only, turning predictive scaling
// off or removing the target left its scheduled MinSize actions in force for up to a day.

describe('predict deletes the actions the policy no longer produces (defect: a disabled predictor raised floors for a day)', () => {
  it.each([
    { name: 'forecast-only', policy: policyWith({ mode: 'forecast-only' }), why: 'forecast-only' },
    { name: 'enabled: false', policy: policyWith({ enabled: false }), why: 'predictive.enabled: false' },
    {
      name: 'predictive: false on the target',
      policy: policyWith({}, { predictive: false }),
      why: 'predictive: false',
    },
  ])('$name: the target’s actions are deleted and the deletion recorded', async ({ policy, why }) => {
    const { deps, ledger, groups } = setUp(policy);
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    groups.owner = 'this'; // predict tagged the group when it wrote them
    groups.actions.set('operator-nightly', { name: 'operator-nightly' });
    await predictTargets(deps);
    expect(ours(groups)).toEqual([]);
    expect(groups.actions.has('operator-nightly')).toBe(true);
    const removed = ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved');
    expect(removed?.message).toContain(`deleted 3 scheduled MinSize action(s) of api on group g`);
    expect(removed?.message).toContain(why);
  });

  it('a MinSize an action already raised is set back a minute later (defect: it stayed raised for good once the actions lowering it were deleted)', async () => {
    const { deps, ledger, groups } = setUp(policyWith({ mode: 'forecast-only' }));
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    groups.minSize = 5; // the 10:00 action ran: AWS keeps no old value to return to
    await predictTargets(deps);
    const left = [...groups.actions.values()].filter((a) => a.name.startsWith(FORECAST_ACTION_PREFIX));
    expect(left).toEqual([
      {
        name: forecastActionName('api', new Date('2026-12-01T10:03:00Z')),
        start: new Date('2026-12-01T10:03:00Z'),
        minSize: 2,
      },
    ]);
    expect(ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved')?.message).toContain(
      'deleted 3 scheduled MinSize action(s) of api on group g: predictive scaling is forecast-only; MinSize 5 goes back to 2 at 10:03Z',
    );
  });

  it('the action setting MinSize back moves off a minute an operator’s action has', async () => {
    const { deps, groups } = setUp(policyWith({ mode: 'forecast-only' }));
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    groups.actions.set('release-window', {
      name: 'release-window',
      start: new Date('2026-12-01T10:03:00Z'),
      minSize: 3,
    });
    groups.minSize = 5;
    await predictTargets(deps);
    expect(ours(groups)).toEqual([forecastActionName('api', new Date('2026-12-01T10:04:00Z'))]);
  });

  it('dry run: nothing deleted, what would be is recorded', async () => {
    const { deps, ledger, groups } = setUp(policyWith({ mode: 'forecast-only' }, {}, { dryRun: true }));
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    await predictTargets(deps);
    expect(ours(groups)).toHaveLength(3);
    expect(ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved')?.message).toContain(
      'dry run: would delete 3',
    );
  });

  it('a run asked for some targets only prunes nothing', async () => {
    const { deps, groups } = setUp(policyWith({ mode: 'forecast-only' }));
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    await predictTargets(deps, { targets: ['api'] });
    expect(ours(groups)).toHaveLength(3);
  });
});
