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
import { daily, HOUR, T0 } from './predictTargetsFixtures';

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
  it('out of time after two of five: the three left are recorded Deferred naming the next start, the cursor is on the third, nothing is pruned', async () => {
    const { deps, ledger, groups, log, counted } = setUp();
    const predictions = await predictTargets({ ...deps, deadline: deadline(ledger, 2) });

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
    // No pruning: the stale action stays and no removal is recorded.
    expect(groups.actions.has(STALE)).toBe(true);
    expect(ledger.log.some((d) => d.reason === 'ScheduledActionsRemoved')).toBe(false);
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

  it.each([
    {
      name: 'the rest of the list, then round to its head',
      fits: [2, 4],
      second: ['t3', 't4', 't5', 't1'],
      cursor: 't2',
    },
    {
      name: 'the rest of the list and round to the last run’s start',
      fits: [2, 5],
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
    { name: 'no deadline (tests, the CLI)', fits: undefined, pruned: true },
    { name: 'time for every target and the pruning', fits: 6, pruned: true },
    { name: 'every target done, none left to defer, but no time left to prune', fits: 5, pruned: false },
  ])('every target in policy order: $name', async ({ fits, pruned }) => {
    const { deps, ledger, groups, counted } = setUp();
    // A cursor from an earlier run: a run without a deadline neither reads nor moves it.
    ledger.cursors.set(PREDICT_CURSOR_KEY, fits === undefined ? 't3' : 't1');
    const run = fits === undefined ? deps : { ...deps, deadline: deadline(ledger, fits) };
    const predictions = await predictTargets(run);

    expect(predictions.map((p) => p.decision.target)).toEqual(NAMES);
    expect(deferredIn(ledger, 0)).toEqual([]);
    expect(ledger.cursors.get(PREDICT_CURSOR_KEY)).toBe(fits === undefined ? 't3' : 't1');
    expect(groups.actions.has(STALE)).toBe(!pruned);
    expect(counted).toEqual(fits === undefined ? [] : [0]);
  });
});
