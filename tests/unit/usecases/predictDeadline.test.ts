import { describe, expect, it } from 'vitest';
import { pauseStateOf } from '../../../shared/decision/pauseState';
import { forecastActionName } from '../../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { PREDICT_CURSOR_KEY, PREDICT_DEADLINE_MARGIN_MS } from '../../../shared/usecases/deferPredictions';
import { type PredictDeps, predictTargets } from '../../../shared/usecases/predictTargets';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';
import { asgTarget, daily, HOUR, T0 } from './predictTargetsFixtures';

// The predict function ignored its remaining time: a policy with a thousand or two predictive targets timed out
// every hour, Lambda retried from the head, and the same tail never got its floors. It now stops starting
// targets near its deadline, records the rest `Deferred` and starts the next run with them.

const NAMES = ['t1', 't2', 't3', 't4', 't5'];
/** Floors only in the ledger (no group calls): the deadline is what is under test, not the scheduled actions. */
const replicas = (name: string) => ({
  name,
  kind: 'rds-replicas',
  sourceDbInstanceIdentifier: `db-${name}`,
  replicaInstanceClass: 'db.t4g.medium',
  capacity: { min: 1, max: 5 },
  predictive: true,
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/RDS', name: 'CPUUtilization', statistic: 'Average' },
      scaleOut: [{ above: 70, add: 1 }],
      scaleIn: [{ below: 30, remove: 1 }],
    },
  ],
});

function fiveTargets(): Policy {
  return validatePolicy({
    version: 1,
    targets: NAMES.map(replicas),
    predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
  });
}

/** A stale action of a target gone from the policy, on a group tagged as this stack's: a whole run prunes it. */
const STALE = forecastActionName('gone', new Date(T0 + HOUR));

function setUp() {
  const clock = testClock(new Date(T0));
  const ledger = new InMemoryLedger();
  const groups = new InMemoryScheduledActions();
  groups.owner = 'this';
  groups.actions.set(STALE, { name: STALE, start: new Date(T0 + HOUR), minSize: 3 });
  const log = capturedLog();
  const counted: number[] = [];
  const deps: PredictDeps = {
    policy: fiveTargets(),
    history: new SyntheticHistory(daily),
    ledger,
    groups,
    publisher: new CollectedForecastMetrics(),
    clock,
    log: log.sink,
    deferredTargets: (count) => counted.push(count),
  };
  return { deps, clock, ledger, groups, log, counted };
}

/**
 * A Lambda's remaining time that drops by a second with each target the run records, with room for `fits`
 * targets before the margin: the check before target `fits + 1` finds it 1 ms inside the margin.
 */
function deadline(ledger: InMemoryLedger, fits: number): PredictDeps['deadline'] {
  const before = ledger.log.length;
  return {
    remainingMs: () => PREDICT_DEADLINE_MARGIN_MS + (fits - (ledger.log.length - before)) * 1000 - 1,
  };
}

/** The targets a run forecast (its own records), in the order it took them. */
const forecastIn = (ledger: InMemoryLedger, from: number) =>
  ledger.log
    .slice(from)
    .filter((d) => d.reason !== 'Deferred' && d.reason !== 'ScheduledActionsRemoved')
    .map((d) => d.target);
const deferredIn = (ledger: InMemoryLedger, from: number) =>
  ledger.log.slice(from).filter((d) => d.reason === 'Deferred');

describe('predictTargets against its deadline', () => {
  it('out of time after two of five: the three left are recorded Deferred naming the next start, the cursor is on the third; the run pruned first', async () => {
    const { deps, ledger, groups, log, counted } = setUp();
    // Room for three records: the pruning's, then two targets'.
    const predictions = await predictTargets({ ...deps, deadline: deadline(ledger, 3) });

    expect(predictions.map((p) => p.decision.target)).toEqual(['t1', 't2']);
    expect(forecastIn(ledger, 0)).toEqual(['t1', 't2']);
    const deferred = deferredIn(ledger, 0);
    expect(deferred.map((d) => d.target)).toEqual(['t3', 't4', 't5']);
    for (const d of deferred) {
      expect(d.message).toMatch(/the run stopped 15 s before its deadline; the next run starts with t3/);
      expect(d).toMatchObject({ trigger: 'forecast', applied: false, direction: 'none' });
    }
    expect(ledger.cursors.get(PREDICT_CURSOR_KEY)).toBe('t3');
    // The deferred keep what earlier runs wrote: this run wrote no floors for them.
    for (const name of ['t1', 't2']) expect((await ledger.read(name)).floors).toBeDefined();
    for (const name of ['t3', 't4', 't5']) expect((await ledger.read(name)).floors).toBeUndefined();
    // Pruned before the targets (defect: a run that deferred targets pruned nothing, so in a fleet whose every
    // run defers, the actions the policy no longer produces stayed until their times passed).
    expect(groups.actions.has(STALE)).toBe(false);
    expect(ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved').map((d) => d.target)).toEqual([
      'gone',
    ]);
    expect(log.entries.filter((e) => e.level === 'warn')).toEqual([
      expect.objectContaining({ extra: [{ deferred: 3, nextStartsAt: 't3' }] }),
    ]);
    expect(counted).toEqual([3]);
  });

  it('paused, a run that defers still deletes the forecast’s actions, first (defect: a fleet whose every run defers never reached the pruning, and they fired while paused)', async () => {
    const { deps, ledger, groups } = setUp();
    const predictions = await predictTargets({
      ...deps,
      pause: { read: async () => pauseStateOf('true', '/p') },
      deadline: deadline(ledger, 2),
    });
    // The pruning's record took one of the two targets' time here.
    expect(predictions.map((p) => p.decision.reason)).toEqual(['Paused']);
    expect(deferredIn(ledger, 0)).toHaveLength(4);
    expect(groups.actions.has(STALE)).toBe(false);
    expect(ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved').map((d) => d.message)).toEqual([
      expect.stringContaining('the stage is paused'),
    ]);
  });

  // The first run's room holds the pruning's record too (the stale action); the second has none to prune.
  it.each([
    {
      name: 'the rest of the list, then round to its head',
      fits: [3, 4],
      second: ['t3', 't4', 't5', 't1'],
      cursor: 't2',
    },
    {
      name: 'the rest of the list and round to the last run’s start',
      fits: [3, 5],
      second: ['t3', 't4', 't5', 't1', 't2'],
      cursor: 't3',
    },
  ])('the next run starts at the cursor and wraps round: $name', async ({ fits, second, cursor }) => {
    const { deps, clock, ledger } = setUp();
    await predictTargets({ ...deps, deadline: deadline(ledger, fits[0] as number) });
    clock.advance(3600);
    const from = ledger.log.length;
    await predictTargets({ ...deps, deadline: deadline(ledger, fits[1] as number) });

    expect(forecastIn(ledger, from)).toEqual(second);
    expect(new Set(forecastIn(ledger, 0))).toEqual(new Set(NAMES)); // every target within two runs
    expect(ledger.cursors.get(PREDICT_CURSOR_KEY)).toBe(cursor);
  });

  it.each([
    { name: 'with time for them all', fits: 9, forecast: ['t5', 't2'], deferred: [] as string[] },
    { name: 'out of time after one', fits: 1, forecast: ['t5'], deferred: ['t2'] },
  ])('a run for named targets ignores and keeps the cursor: $name', async ({ fits, forecast, deferred }) => {
    const { deps, ledger, groups } = setUp();
    ledger.cursors.set(PREDICT_CURSOR_KEY, 't4');
    await predictTargets({ ...deps, deadline: deadline(ledger, fits) }, { targets: ['t5', 't2'] });

    expect(forecastIn(ledger, 0)).toEqual(forecast);
    expect(deferredIn(ledger, 0).map((d) => [d.target, d.message])).toEqual(
      deferred.map((t) => [t, expect.stringMatching(/a run for named targets keeps no starting point/)]),
    );
    expect(ledger.cursors.get(PREDICT_CURSOR_KEY)).toBe('t4');
    expect(groups.actions.has(STALE)).toBe(true); // a run for some targets never prunes
  });

  it.each([
    { name: 'no deadline (tests, the CLI)', fits: undefined },
    { name: 'time for the pruning and every target', fits: 6 },
  ])('every target in policy order, pruned first: $name', async ({ fits }) => {
    const { deps, ledger, groups, counted } = setUp();
    // A cursor from an earlier run: a run without a deadline neither reads nor moves it.
    ledger.cursors.set(PREDICT_CURSOR_KEY, fits === undefined ? 't3' : 't1');
    const run = fits === undefined ? deps : { ...deps, deadline: deadline(ledger, fits) };
    const predictions = await predictTargets(run);

    expect(predictions.map((p) => p.decision.target)).toEqual(NAMES);
    expect(deferredIn(ledger, 0)).toEqual([]);
    expect(ledger.cursors.get(PREDICT_CURSOR_KEY)).toBe(fits === undefined ? 't3' : 't1');
    expect(groups.actions.has(STALE)).toBe(false);
    expect(counted).toEqual(fits === undefined ? [] : [0]);
  });
});

// The gap this closes: pruning was for a run that took every target. In a fleet so large that every hourly run
// defers some, none pruned, and the actions of a target gone from the policy (or made forecast-only, or with
// predictive off) stayed until their times passed, up to 48 hours, the MinSize they raised never set back.
describe('pruning in a fleet whose every run defers targets', () => {
  const web = { ...asgTarget, name: 'web', autoScalingGroupName: 'w' };
  /** An earlier run's action of `target`, `hours` ahead of T0. */
  const action = (target: string, hours: number, minSize: number) => {
    const start = new Date(T0 + hours * HOUR);
    return [
      forecastActionName(target, start),
      { name: forecastActionName(target, start), start, minSize },
    ] as const;
  };
  /** What AWS does that the fake does not: actions whose time has come set MinSize and are gone. */
  const fire = (groups: InMemoryScheduledActions, now: number) => {
    const due = [...groups.actions.values()].filter((a) => (a.start?.getTime() ?? Infinity) <= now);
    for (const a of due.sort((x, y) => (x.start?.getTime() ?? 0) - (y.start?.getTime() ?? 0))) {
      if (a.minSize !== undefined) groups.minSize = a.minSize;
      groups.actions.delete(a.name);
    }
  };

  function fleet() {
    const set = setUp();
    set.groups.actions.clear();
    const deps: PredictDeps = {
      ...set.deps,
      policy: validatePolicy({
        version: 1,
        targets: [...NAMES.map(replicas), web],
        predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
      }),
    };
    return { ...set, deps };
  }

  it('a target removed from the policy: its actions go and its MinSize is set back in a run that defers; a deferred predictive target keeps its own', async () => {
    const { deps, clock, ledger, groups } = fleet();
    // `gone` left the policy with its group g (tagged as this stack's); one of its actions ran (MinSize 5),
    // the rest would lower it later. An operator's action shares the group.
    groups.minSize = 5;
    for (const [name, a] of [action('gone', 1, 6), action('gone', 3, 2)]) groups.actions.set(name, a);
    groups.actions.set('operator-nightly', {
      name: 'operator-nightly',
      start: new Date(T0 + 5 * HOUR),
      minSize: 3,
    });
    const webActions = new Map([action('web', 2, 4), action('web', 4, 2)]);
    groups.others.set('w', { actions: new Map(webActions), owner: 'this' });

    // Room for three records: the pruning's and two targets'; four of six are deferred, web last.
    await predictTargets({ ...deps, deadline: deadline(ledger, 3) });
    expect(deferredIn(ledger, 0).map((d) => d.target)).toEqual(['t3', 't4', 't5', 'web']);
    expect([...groups.actions.values()]).toEqual([
      { name: 'operator-nightly', start: new Date(T0 + 5 * HOUR), minSize: 3 },
      // MinSize 5 back to 2 (the lowest gone's actions planned) a whole minute at least 60 s ahead.
      {
        name: forecastActionName('gone', new Date('2026-12-01T10:03:00Z')),
        start: new Date('2026-12-01T10:03:00Z'),
        minSize: 2,
      },
    ]);
    expect(
      ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved').map((d) => [d.target, d.message]),
    ).toEqual([
      [
        'gone',
        'deleted 2 scheduled MinSize action(s) of gone on group g: the target is no longer in the policy; MinSize 5 goes back to 2 at 10:03Z',
      ],
    ]);
    expect(groups.others.get('w')?.actions).toEqual(webActions);

    // An hour on, the set-back has run; the next run defers again (web among them) and deletes nothing more.
    clock.advance(3600);
    fire(groups, clock.now().getTime());
    const from = ledger.log.length;
    await predictTargets({ ...deps, deadline: deadline(ledger, 3) });
    expect(forecastIn(ledger, from)).toEqual(['t3', 't4', 't5']);
    expect(deferredIn(ledger, from).map((d) => d.target)).toEqual(['web', 't1', 't2']);
    expect(groups.minSize).toBe(2);
    expect([...groups.actions.keys()]).toEqual(['operator-nightly']);
    expect(ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved')).toHaveLength(1);
    expect(groups.others.get('w')?.actions).toEqual(webActions);
  });

  it('more to prune than its share of the run: the rest is recorded Deferred and the next run deletes it; the targets keep their time', async () => {
    const { deps, ledger, groups, log } = fleet();
    for (const target of ['gone1', 'gone2', 'gone3']) groups.actions.set(...action(target, 1, 3));
    // Not in the policy and not described before time ran out: the run cannot tell it is this stack's.
    groups.others.set('old-group', { actions: new Map([action('gone4', 1, 3)]), owner: 'this' });

    // Four records' room past the margin: the pruning may take half (two deletions), the targets the rest.
    await predictTargets({ ...deps, deadline: deadline(ledger, 4) });
    expect(ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved').map((d) => d.target)).toEqual([
      'gone1',
      'gone2',
    ]);
    expect([...groups.actions.keys()]).toEqual([action('gone3', 1, 3)[0]]);
    const pruneDeferred = deferredIn(ledger, 0).filter((d) => d.target.startsWith('gone'));
    expect(pruneDeferred.map((d) => [d.target, d.message])).toEqual([
      [
        'gone3',
        'not deleted yet: 1 scheduled MinSize action(s) of gone3 on group g (the target is no longer in the policy); the run had no time left for them, they fire at their times until the next run deletes them',
      ],
    ]);
    expect(log.entries).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'scheduled actions not pruned: the run is near its deadline; the next run prunes',
        extra: [{ deferred: 1, unchecked: 1 }],
      }),
    );
    expect(forecastIn(ledger, 0)).toEqual(['t1']);

    const from = ledger.log.length;
    await predictTargets({ ...deps, deadline: deadline(ledger, 9) });
    expect(
      ledger.log
        .slice(from)
        .filter((d) => d.reason === 'ScheduledActionsRemoved')
        .map((d) => d.target),
    ).toEqual(['gone3', 'gone4']);
    expect(groups.actions.size).toBe(0);
    expect(groups.others.get('old-group')?.actions.size).toBe(0);
  });
});
