import { describe, expect, it } from 'vitest';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { planPolicy, setUpPlanRun } from './predictPlanMembersFixtures';

// Safety review s50: a plan member without `predictive` of its own got its floors mirrored on its group's MinSize
// without the stage-tag check a target forecasting on its own has. Granted by tag (fleet.grantGroupsBy: tag), on
// a group without `scalepilot:stage=<stage>` it tagged the group and put actions, which the role refuses: the run
// failed every hour, and the actions it had written there before its stage tag was removed were never deleted.

const NOT_TAGGED = "no scheduled actions: group g is not tagged scalepilot:stage with this stage's name";

describe('a plan member’s group granted by tag (defect: its MinSize actions were put without the stage tag)', () => {
  it.each([
    {
      name: 'a member only through its plan, its group untagged: no action put nor ownership tag, told why',
      apiPredictive: false,
      grantGroupsBy: 'tag' as const,
      stageTagged: false,
      left: 0,
      message: NOT_TAGGED,
    },
    {
      name: 'a member only through its plan, its stage tag removed since: the actions it wrote before deleted, told',
      apiPredictive: false,
      grantGroupsBy: 'tag' as const,
      stageTagged: false,
      earlier: true,
      left: 0,
      message: `${NOT_TAGGED}, which the role's grant needs (fleet.grantGroupsBy: tag); deleted the 3 scheduled MinSize action(s) this stage wrote on it before (the stage no longer manages it): its MinSize stays at 2, which they did not raise`,
    },
    {
      name: 'a target forecasting on its own too, its group untagged: no action put, as before',
      apiPredictive: true,
      grantGroupsBy: 'tag' as const,
      stageTagged: false,
      left: 0,
      message: NOT_TAGGED,
    },
    {
      name: 'a member only through its plan, its group tagged with the stage: its actions put',
      apiPredictive: false,
      grantGroupsBy: 'tag' as const,
      stageTagged: true,
      left: 'some' as const,
      message: 'scheduled action(s) on MinSize',
    },
    {
      name: 'granted by name: a member’s group needs no tag, its actions put',
      apiPredictive: false,
      grantGroupsBy: 'name' as const,
      stageTagged: false,
      left: 'some' as const,
      message: 'scheduled action(s) on MinSize',
    },
  ])('$name', async (row) => {
    const { deps, ledger, groups } = setUpPlanRun(planPolicy(row));
    if (row.stageTagged) groups.stageTagged.add('g');
    if (row.earlier) {
      groups.putEarlier('g', 'api');
      groups.owner = 'this'; // written while it was tagged: it carries the stage's ownership tag
    }
    groups.actions.set('operator-nightly', { name: 'operator-nightly' });
    const predictions = await predictTargets(deps);
    const api = predictions.find((p) => p.decision.target === 'api')?.decision;
    // The floors are the ledger's either way (the scaler honours them, or refuses the untagged group, told).
    expect(api?.reason).toBe('PlanForecast');
    expect(api?.message).toContain(row.message);
    expect((await ledger.read('api')).floors).toBeDefined();
    if (row.left === 'some') expect(groups.ours('g').length).toBeGreaterThan(0);
    else {
      expect(groups.ours('g')).toHaveLength(row.left);
      if (!row.earlier) expect(groups.owner).toBeUndefined();
    }
    expect(groups.actions.has('operator-nightly')).toBe(true);
  });
});

describe('a plan member’s group carrying another stage’s actions (defect: re-tagged and its actions replaced)', () => {
  it('no action put nor tag changed, that stage’s kept, told why', async () => {
    const { deps, groups } = setUpPlanRun(planPolicy({ apiPredictive: false }));
    groups.owner = 'other';
    groups.otherStage = 'staging';
    groups.putEarlier('g', 'api');
    const predictions = await predictTargets(deps);
    const api = predictions.find((p) => p.decision.target === 'api')?.decision;
    expect(api?.reason).toBe('PlanForecast');
    expect(api?.message).toContain(
      "no scheduled actions: group g carries stage staging's (tagged scalepilot:forecast-actions=staging)",
    );
    expect(groups.owner).toBe('other');
    expect(groups.ours('g')).toHaveLength(3);
  });
});

describe('a plan member’s group whose stage tag was removed after its MinSize was raised (review s51)', () => {
  it('its actions deleted and the one that sets the MinSize back put: it stayed raised for good', async () => {
    const { deps, groups } = setUpPlanRun(planPolicy({ apiPredictive: false, grantGroupsBy: 'tag' }));
    groups.putEarlier('g', 'api');
    groups.owner = 'this';
    groups.minSize = 5; // one of them has run
    const predictions = await predictTargets(deps);
    const api = predictions.find((p) => p.decision.target === 'api')?.decision;
    expect(api?.message).toMatch(
      /deleted the 3 scheduled MinSize action\(s\) this stage wrote on it before \(the stage no longer manages it\): its MinSize 5 goes back to 2 at \d\d:\d\dZ/,
    );
    const left = groups.ours('g').map((name) => groups.actions.get(name)?.minSize);
    expect(left).toEqual([2]);
  });
});
