import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../shared/decision/types';
import type { Policy } from '../../../shared/policy/schema';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import type { InMemoryLedger } from '../../harness/inMemoryPorts';
import { planPolicy, type StageTaggedGroups, setUpPlanRun, T0 } from './predictPlanMembersFixtures';

// The checks that decide whether predict may put scheduled MinSize actions on a group (not tagged for a grant by
// tag, another stage's, held by the scaler, the 125-action budget) were written twice: in a target's own run
// (predictTarget) and for a plan member without a forecast of its own (predictPlans), each with its own order and
// notes, and they had drifted (a member's budget cut did not say when MinSize went back; a member's dry run said
// nothing of its group). Each case below goes through both callers on the same group with the same floors (the
// plan's: api's own run takes the higher of its own, flat at capacity.min, and the plan's), and must come out
// the same: the same note in the record, and the same scheduled actions left on the group.

/** The two callers: api forecasting on its own too (predictTarget), or only through its plan (predictPlans). */
const callers = [
  { name: 'a target forecasting on its own', apiPredictive: true },
  { name: 'a plan member', apiPredictive: false },
] as const;

interface Arranged {
  readonly groups: StageTaggedGroups;
  readonly ledger: InMemoryLedger;
}

/** This stage's earlier actions on g, written while the group was tagged as this stack's; one has run. */
function oursRaised({ groups }: Arranged) {
  groups.putEarlier('g', 'api');
  groups.owner = 'this';
  groups.minSize = 5;
}

/** The scaler's record: the group's own scaling policy changes its capacity (it refused: ScalingPolicyConflict). */
async function ownScalingPolicy(arranged: Arranged) {
  oursRaised(arranged);
  await arranged.ledger.record(
    {
      target: 'api',
      kind: 'asg',
      reason: 'ScalingPolicyConflict',
      message: 'refused',
    } as unknown as Decision,
    { trigger: 'schedule', applied: false, dryRun: false, now: new Date(T0) },
    { scalingPolicyArns: ['arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x'] },
  );
}

const GONE = '; deleted the 3 scheduled MinSize action\\(s\\) this stage wrote on it before';
const BACK = `${GONE} \\(the stage no longer manages it\\): its MinSize 5 goes back to 2 at \\d\\d:\\d\\dZ$`;
const HELD = "; no scheduled actions: the scaler holds group g's scale-outs";

const cases: readonly {
  name: string;
  grantGroupsBy?: 'tag';
  dryRun?: boolean;
  arrange: (arranged: Arranged) => void | Promise<void>;
  note: RegExp;
  /** The MinSize of each of this stage's actions left on g, in start order ('floors': the new schedule). */
  left: readonly number[] | 'floors';
  owner: 'this' | 'other';
}[] = [
  {
    name: 'the group not tagged with the stage (granted by tag), our actions on it: they go, the set-back put',
    grantGroupsBy: 'tag',
    arrange: oursRaised,
    note: new RegExp(
      `^; no scheduled actions: group g is not tagged scalepilot:stage with this stage's name, which the role's grant needs \\(fleet\\.grantGroupsBy: tag\\)${BACK}`,
    ),
    left: [2],
    owner: 'this',
  },
  {
    name: 'another stage’s actions on the group: none put, theirs kept, the group not re-tagged',
    arrange: ({ groups }) => {
      groups.putEarlier('g', 'api');
      groups.owner = 'other';
      groups.otherStage = 'staging';
    },
    note: /^; no scheduled actions: group g carries stage staging's \(tagged scalepilot:forecast-actions=staging\), and two stages would replace each other's every hour: leave it to one stage's policy, or delete that tag if stage staging is gone$/,
    left: [5, 5, 5],
    owner: 'other',
  },
  {
    name: 'in order: untagged for the grant and another stage’s: told untagged, nothing touched (no ownership tag of ours)',
    grantGroupsBy: 'tag',
    arrange: ({ groups }) => {
      groups.putEarlier('g', 'api');
      groups.owner = 'other';
      groups.otherStage = 'staging';
    },
    note: /^; no scheduled actions: group g is not tagged scalepilot:stage with this stage's name, which the role's grant needs \(fleet\.grantGroupsBy: tag\)$/,
    left: [5, 5, 5],
    owner: 'other',
  },
  {
    name: 'in order: another stage’s on a group the scaler holds: told another stage’s, theirs kept',
    arrange: ({ groups }) => {
      groups.putEarlier('g', 'api');
      groups.owner = 'other';
      groups.otherStage = 'staging';
      groups.launchSuspended = true;
    },
    note: /^; no scheduled actions: group g carries stage staging's/,
    left: [5, 5, 5],
    owner: 'other',
  },
  {
    name: 'the scaler holds the group, its own scaling policy: no raise, ours go, the set-back put',
    arrange: ownScalingPolicy,
    note: new RegExp(
      `^${HELD} \\(its own scaling policies change its capacity \\(ScalingPolicyConflict\\)\\), and a MinSize raise would pull its desired capacity up around that${BACK}`,
    ),
    left: [2],
    owner: 'this',
  },
  {
    name: 'the scaler holds the group, Launch suspended: no raise, ours go, the set-back put',
    arrange: (arranged) => {
      oursRaised(arranged);
      arranged.groups.launchSuspended = true;
    },
    note: new RegExp(
      `^${HELD} \\(its Launch process is suspended\\), and a MinSize raise would pull its desired capacity up around that${BACK}`,
    ),
    left: [2],
    owner: 'this',
  },
  {
    name: 'our actions there and the budget nearly full: the nearest hours put, the cut and its time said',
    arrange: ({ groups }) => {
      groups.putEarlier('g', 'api');
      groups.owner = 'this';
      // 125 less the operator's 121, less the one of ours kept until the new ones are in: room for 3.
      for (let i = 0; i < 121; i += 1) groups.actions.set(`operator-${i}`, { name: `operator-${i}` });
    },
    note: /^; [1-3] scheduled action\(s\) on MinSize \(room for 3 of the group's 125: the nearest hours, MinSize back at the baseline from \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z; the ledger's floors cover the rest\)$/,
    left: 'floors',
    owner: 'this',
  },
  {
    name: 'nothing in the way (tagged for a grant by tag): the floors mirrored, ours replaced',
    grantGroupsBy: 'tag',
    arrange: ({ groups }) => {
      groups.stageTagged.add('g');
      groups.putEarlier('g', 'api');
      groups.owner = 'this';
    },
    note: /^; [2-9] scheduled action\(s\) on MinSize$/,
    left: 'floors',
    owner: 'this',
  },
  {
    name: 'a dry run: nothing put nor deleted, said so',
    dryRun: true,
    arrange: oursRaised,
    note: /^; dry run: no scheduled actions$/,
    left: [5, 5, 5],
    owner: 'this',
  },
];

/** One predict run of `caller` on the case's group: the note api's record gives its group, and what g holds. */
async function run(caller: (typeof callers)[number], row: (typeof cases)[number]) {
  const policy: Policy = {
    ...planPolicy({ apiPredictive: caller.apiPredictive, grantGroupsBy: row.grantGroupsBy ?? 'name' }),
    ...(row.dryRun ? { dryRun: true } : {}),
  };
  const { deps, ledger, groups } = setUpPlanRun(policy);
  await row.arrange({ groups, ledger });
  const predictions = await predictTargets(deps);
  const decision = predictions.find((p) => p.decision.target === 'api')?.decision;
  const message = decision?.message ?? '';
  // The note follows the floors' span ("… until <time>"); a target's own record goes on with its trust and tuning.
  const note = /until \d{4}-\d\d-\d\dT[\d:.]+Z(.*?)(?:; trust: .*)?$/.exec(message)?.[1];
  const ours = groups.ours('g').map((name) => groups.actions.get(name));
  const others = groups.actions.size - ours.length;
  return { reason: decision?.reason, message, note, ours, owner: groups.owner, others };
}

describe('one chain decides the scheduled actions on a group, for a target and a plan member alike', () => {
  it.each(cases)('$name', async (row) => {
    const [own, member] = [await run(callers[0], row), await run(callers[1], row)];
    for (const [caller, got] of [
      [callers[0], own],
      [callers[1], member],
    ] as const) {
      expect(got.note, `${caller.name}: ${got.message}`).toMatch(row.note);
      expect(got.owner, caller.name).toBe(row.owner);
      if (row.left === 'floors') expect(got.ours.length, caller.name).toBeGreaterThan(1);
      else expect(got.ours.map((a) => a?.minSize)).toEqual(row.left);
    }
    // The same words, reason and actions on the group from both.
    expect(member.note).toBe(own.note);
    expect(member.reason).toBe(own.reason);
    expect(member.ours).toEqual(own.ours);
    expect(member.others).toBe(own.others);
  });
});

describe('a plan member in dry run', () => {
  it('reads no group: nothing will be put there (the read cost a call an hour and could fail the dry run)', async () => {
    const policy: Policy = { ...planPolicy({ apiPredictive: false, grantGroupsBy: 'name' }), dryRun: true };
    const { deps, groups } = setUpPlanRun(policy);
    const read = groups.group.bind(groups);
    const names: string[] = [];
    groups.group = async (name = groups.name) => {
      names.push(name);
      return read(name);
    };
    const predictions = await predictTargets(deps);
    expect(predictions.find((p) => p.decision.target === 'api')?.decision.message).toMatch(
      /; dry run: no scheduled actions/,
    );
    expect(names).toEqual([]);
  });
});
