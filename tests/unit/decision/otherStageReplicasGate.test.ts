// Two stages on one source: a replica another stage's Scalepilot made (its `scalepilot:stage` tag, as the
// observer marks it: otherStage) is never this stage's, and a target whose source has one is held, told once.
import { describe, expect, it } from 'vitest';
import { blockedBy } from '../../../shared/decision/plans/blockedBy';
import { replicaGateStates } from '../../../shared/decision/rdsReplicaGateStates';
import {
  capacity,
  gate,
  isManaged,
  mayRemove,
  otherStageOf,
  type ReplicaInstance,
} from '../../../shared/decision/rdsReplicas';
import { calm, checkGateRow, draining, type GateRow, SOURCE, sp } from './rdsReplicaGateRows';
import { decision, managed, managedTags, NOW, observation, rdsTarget, replica } from './rdsReplicasFixtures';

/** A replica stage `stage` made, as the observer of another stage shows it. */
const theirs = (id: string, n: number, stage = 'prod', extra: Partial<ReplicaInstance> = {}) =>
  managed(id, n, { ...extra, tags: { 'scalepilot:stage': stage, ...extra.tags }, otherStage: stage });
const manual = replica(`${SOURCE}-manual`, 1);

describe('otherStageOf: whose replica it is, for the stage reading', () => {
  it.each([
    { name: 'tagged with another stage', tags: { ...managedTags, 'scalepilot:stage': 'prod' }, want: 'prod' },
    { name: 'tagged with this stage', tags: { ...managedTags, 'scalepilot:stage': 'dev' }, want: undefined },
    {
      name: 'made before replicas carried a stage (no tag): this stage’s',
      tags: managedTags,
      want: undefined,
    },
    {
      name: 'a stage tag on an instance Scalepilot did not make (no managed tag): not a stage’s replica',
      tags: { 'scalepilot:stage': 'prod' },
      want: undefined,
    },
    {
      name: 'the reading stage unknown (the CLI without --stage): as before',
      tags: { ...managedTags, 'scalepilot:stage': 'prod' },
      stage: null,
      want: undefined,
    },
  ])('$name', ({ tags, stage, want }) => {
    expect(otherStageOf(tags, stage === null ? undefined : 'dev')).toBe(want);
  });
});

describe('another stage’s replicas on the source hold the target (each row fails without the gate)', () => {
  const rows: GateRow[] = [
    {
      name: 'load low: its replica is not drained, nor ours',
      observation: observation([manual, managed(sp(1), 2), theirs(sp(2), 3)]),
      decision: decision(3, 2),
      want: { kind: 'skip', reason: 'OtherStageReplicas', notify: true },
    },
    {
      name: 'its replica the only one tagged for the target, load low: held, not drained',
      observation: observation([manual, theirs(sp(1), 2)]),
      decision: decision(2, 1),
      want: { kind: 'skip', reason: 'OtherStageReplicas', notify: true },
    },
    {
      name: 'load high: nothing added (two stages would add for the same load)',
      observation: observation([manual, theirs(sp(1), 2)]),
      decision: decision(2, 3),
      want: { kind: 'skip', reason: 'OtherStageReplicas', notify: true },
    },
    {
      name: 'its replica draining past drainSeconds: its drain is not ours to finish',
      observation: observation([
        manual,
        managed(sp(1), 2),
        theirs(sp(2), 3, 'prod', { tags: { 'scalepilot:draining': '2026-11-30T11:00:00Z' } }),
      ]),
      decision: decision(3, 2),
      want: { kind: 'skip', reason: 'OtherStageReplicas' },
    },
    {
      name: 'its failed replica: not replaced, not deleted',
      observation: observation([manual, managed(sp(1), 2), theirs(sp(2), 3, 'prod', { status: 'failed' })]),
      decision: decision(2, 2),
      want: { kind: 'skip', reason: 'OtherStageReplicas' },
    },
    {
      name: 'its replica for another target name on the same source: held all the same',
      observation: observation([
        manual,
        managed(sp(1), 2),
        theirs(sp(2), 3, 'prod', { tags: { 'scalepilot:target': 'reads' } }),
      ]),
      decision: decision(3, 2),
      want: { kind: 'skip', reason: 'OtherStageReplicas' },
    },
  ];
  it.each(rows)('$name', (row) => checkGateRow(row));

  it('names the other stage and its replicas', () => {
    const seen = observation([manual, managed(sp(1), 2), theirs(sp(3), 3), theirs(sp(2), 4, 'blue')]);
    const out = gate({
      target: rdsTarget(),
      decision: decision(4, 3),
      observation: seen,
      metrics: calm(seen),
      now: NOW,
    });
    expect('skip' in out && out.message).toContain(
      `${SOURCE} has replicas Scalepilot's stages blue, prod made (${sp(2)}, ${sp(3)}, tagged scalepilot:stage)`,
    );
  });

  // A drain of ours under way when the other stage's replica appears settles first (the hold would leave it out of
  // reader discovery, paid for and serving nothing, for as long as the other stage's replicas exist); then the hold.
  it.each<GateRow>([
    {
      name: 'our drain past drainSeconds, load low: finished (deleted), not frozen',
      observation: observation([
        manual,
        managed(sp(1), 2),
        managed(sp(2), 3, draining(301)),
        theirs(sp(3), 4),
      ]),
      decision: decision(4, 3),
      want: { kind: 'pass', type: 'delete', replica: sp(2), desired: 3 },
    },
    {
      name: 'our drain, a scale-out condition: cancelled (back in discovery), not frozen',
      observation: observation([
        manual,
        managed(sp(1), 2),
        managed(sp(2), 3, draining(100)),
        theirs(sp(3), 4),
      ]),
      decision: decision(4, 5),
      want: { kind: 'act', reason: 'DrainCancelled', type: 'cancelDrain', replica: sp(2), desired: 4 },
    },
  ])('$name', (row) => checkGateRow(row));

  it('a replica made before the stage tag (none) stays this stage’s: drained, no hold', () => {
    const seen = observation([
      manual,
      managed(sp(1), 2),
      managed(sp(2), 3, { tags: { 'scalepilot:stage': 'dev' } }),
    ]);
    checkGateRow({
      name: 'legacy',
      observation: { ...seen, replicas: [...seen.replicas, managed(sp(3), 4)] },
      decision: decision(4, 3),
      want: { kind: 'act', reason: 'Draining', type: 'drain', replica: sp(3) },
    });
  });
});

describe('another stage’s replica is never this stage’s, and still serves', () => {
  it('not managed, never removable, whatever its target tag says', () => {
    const r = theirs(sp(1), 1);
    expect(r.tags['scalepilot:target']).toBe('events-db');
    expect([isManaged(rdsTarget(), r), mayRemove(rdsTarget(), r)]).toEqual([false, false]);
  });

  it('counts in the capacity the rules see, as a hand-made replica does (it serves the source’s reads)', () => {
    const seen = observation([manual, managed(sp(1), 2), theirs(sp(2), 3)]);
    expect(capacity(rdsTarget(), seen)).toMatchObject({ current: 3, serving: 3 });
  });

  it('plan shows it as another stage’s, not removable', () => {
    const [state] = replicaGateStates(rdsTarget(), observation([theirs(sp(1), 1)]), {}, NOW);
    expect(state).toMatchObject({ owner: 'another stage', stage: 'prod', removable: false });
  });

  it('a plan member held by it cannot follow its plan', () => {
    expect(blockedBy({ reason: 'OtherStageReplicas' })).toBe(
      "another stage's Scalepilot scales its source (OtherStageReplicas)",
    );
  });
});
