import { describe, expect, it } from 'vitest';
import { pauseStateOf } from '../../../shared/decision/pauseState';
import { FORECAST_ACTION_PREFIX, forecastActionName } from '../../../shared/decision/scheduledFloors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { api, HOUR, leftovers, ours, policyWith, setUp, T0 } from './predictScheduleFixtures';

// Issue 20, item 3 on the predict function: it ignored the kill switch. Here too what a pause leaves of the
// scheduled MinSize actions (a raised MinSize stays, its set-back held), and a failed ledger write counted
// (item 2). Beside this file: the actions a policy no longer produces (predictScheduledActionsPruned), the
// groups predict may write (predictGroupOwnership), the limits on a group's actions (predictScheduleLimits).

/** Where a pause at T0 holds a set-back: the first whole minute a minute ahead, a year on. */
const HELD = new Date('2027-12-01T10:03:00Z');

describe('predict reads the kill switch (defect: it kept writing scheduled MinSize actions while paused)', () => {
  // A switch set by hand (the console, not `scalepilot pause`) left the forecast's actions to fire for up to
  // 48 hours while paused: the hourly run deletes them, unless the stage was paused with keep-schedule.
  it.each([
    { name: 'paused', state: pauseStateOf('true', '/p'), reason: 'Paused', left: 0 },
    { name: 'an unexpected value', state: pauseStateOf('yes', '/p'), reason: 'Paused', left: 0 },
    { name: 'paused, keep-schedule', state: pauseStateOf('keep-schedule', '/p'), reason: 'Paused', left: 3 },
    { name: 'a missing parameter', state: pauseStateOf(undefined, '/p'), reason: 'PauseUnknown', left: 3 },
  ])('$name: no floors, no new scheduled action, recorded $reason; $left of 3 left', async (row) => {
    const { deps, ledger, groups } = setUp(policyWith(), { read: async () => row.state });
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe(row.reason);
    expect(prediction?.decision.message).toContain('no floors and no scheduled actions written');
    expect((await ledger.read('api')).floors).toBeUndefined();
    expect(ours(groups)).toHaveLength(row.left);
    const removed = ledger.log.filter((d) => d.reason === 'ScheduledActionsRemoved');
    expect(removed.map((d) => d.message)).toEqual(
      row.left === 0
        ? [
            expect.stringContaining(
              'deleted 3 scheduled MinSize action(s) of api on group g: the stage is paused',
            ),
          ]
        : [],
    );
  });

  it('an unreadable switch: PauseUnknown, nothing written', async () => {
    const { deps, ledger } = setUp(policyWith(), {
      read: async () => {
        throw new Error('SSM unavailable');
      },
    });
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('PauseUnknown');
    expect((await ledger.read('api')).floors).toBeUndefined();
  });

  it('paused during a run: the targets after the pause write nothing (defect: the run read the switch once)', async () => {
    const two = validatePolicy({
      version: 1,
      targets: [api, { ...api, name: 'web', autoScalingGroupName: 'w' }],
      predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
    });
    // Running for the run's first read and its first target's (read again just before it); paused from then on.
    let reads = 0;
    const { deps, ledger, groups } = setUp(two, {
      read: async () => (reads++ < 2 ? { state: 'running' } : pauseStateOf('true', '/p')),
    });
    groups.others.set('old-group', { actions: new Map(leftovers('gone')), owner: 'this' });
    const predictions = await predictTargets(deps);
    expect(predictions.map((p) => [p.decision.target, p.decision.reason])).toEqual([
      ['api', 'ForecastFloors'],
      ['web', 'Paused'],
    ]);
    expect((await ledger.read('web')).floors).toBeUndefined();
    expect((await ledger.read('api')).floors).toBeDefined();
    // The run ends paused: the actions api put before the pause go with every other of the forecast's.
    expect(ours(groups)).toEqual([]);
    expect(groups.others.get('old-group')?.actions.size).toBe(0);
  });

  it('running: floors and actions as usual', async () => {
    const { deps, ledger, groups } = setUp(policyWith(), { read: async () => ({ state: 'running' }) });
    const [prediction] = await predictTargets(deps);
    expect(prediction?.decision.reason).toBe('ForecastFloors');
    expect((await ledger.read('api')).floors).toBeDefined();
    expect(ours(groups).length).toBeGreaterThan(0);
  });
});

describe('predict deletes the actions the policy no longer produces (defect: a disabled predictor raised floors for a day)', () => {
  it('paused, a raised MinSize stays as it is (paused is frozen, as pause leaves it); its set-back is held a year ahead, where it does not fire while paused (defect: the pause deleted it with the rest)', async () => {
    const { deps, ledger, groups } = setUp(policyWith(), { read: async () => pauseStateOf('true', '/p') });
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    groups.minSize = 5;
    groups.owner = 'this';
    await predictTargets(deps);
    // Nothing fires while paused: the one action left starts a year ahead, and it only lowers MinSize.
    expect([...groups.actions.values()]).toEqual([
      { name: forecastActionName('api', HELD), start: HELD, minSize: 2 },
    ]);
    expect(groups.minSize).toBe(5);
    expect(ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved')?.message).toContain(
      'deleted 3 scheduled MinSize action(s) of api on group g: the stage is paused',
    );
    expect(ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved')?.message).toContain(
      'MinSize 5 stays while paused; its set-back to 2 is held at 2027-12-01T10:03Z',
    );
    // The next hourly run, still paused, finds the group as the pause left it: no call that writes, no record.
    const records = ledger.log.length;
    const replace = groups.replace.bind(groups);
    let writes = 0;
    groups.replace = async (...args) => {
      writes += 1;
      return replace(...args);
    };
    await predictTargets(deps);
    expect(writes).toBe(0);
    expect(ledger.log.slice(records).filter((d) => d.reason === 'ScheduledActionsRemoved')).toEqual([]);
    expect(ours(groups)).toEqual([forecastActionName('api', HELD)]);
  });

  // Defect: the set-back was only ever planned from actions left on the group, and a pause left none: paused,
  // then resumed with the target no longer producing, MinSize stayed raised for good (AtMinCapacity, no scale-in).
  it.each([
    { name: 'forecast-only', policy: () => policyWith({ mode: 'forecast-only' }) },
    { name: 'enabled: false', policy: () => policyWith({ enabled: false }) },
    { name: 'predictive: false on the target', policy: () => policyWith({}, { predictive: false }) },
    {
      name: 'the target removed',
      policy: () =>
        validatePolicy({
          version: 1,
          targets: [{ ...api, name: 'web', autoScalingGroupName: 'w', predictive: false }],
          predictive: { enabled: true, mode: 'forecast-and-scale', lookbackDays: 3 },
        }),
    },
    { name: 'dry run', policy: () => policyWith({}, {}, { dryRun: true }) },
  ])(
    'paused with MinSize raised, resumed with $name: the first run sets MinSize back to capacity.min',
    async ({ policy }) => {
      const paused = setUp(policyWith(), { read: async () => pauseStateOf('true', '/p') });
      const { groups } = paused;
      for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
      groups.minSize = 5; // an action that ran before the pause raised it
      groups.owner = 'this'; // predict tagged the group when it wrote them
      await predictTargets(paused.deps);
      expect(groups.minSize).toBe(5);
      const resumed = setUp(policy(), { read: async () => ({ state: 'running' }) });
      await predictTargets({ ...resumed.deps, groups });
      expect([...groups.actions.values()].filter((a) => a.name.startsWith(FORECAST_ACTION_PREFIX))).toEqual([
        {
          name: forecastActionName('api', new Date('2026-12-01T10:03:00Z')),
          start: new Date('2026-12-01T10:03:00Z'),
          minSize: 2,
        },
      ]);
      expect(
        resumed.ledger.log.find((d) => d.reason === 'ScheduledActionsRemoved' && d.target === 'api')?.message,
      ).toContain('MinSize 5 goes back to 2 at 10:03Z');
    },
  );

  it('paused with MinSize raised, resumed as it was: the new schedule replaces the held set-back', async () => {
    const paused = setUp(policyWith(), { read: async () => pauseStateOf('true', '/p') });
    const { groups } = paused;
    for (const [name, action] of leftovers('api')) groups.actions.set(name, action);
    groups.minSize = 5;
    groups.owner = 'this';
    await predictTargets(paused.deps);
    const resumed = setUp(policyWith(), { read: async () => ({ state: 'running' }) });
    const [prediction] = await predictTargets({ ...resumed.deps, groups });
    expect(prediction?.decision.reason).toBe('ForecastFloors');
    const starts = [...groups.actions.values()].map((a) => a.start?.getTime() ?? 0);
    expect(starts.length).toBeGreaterThan(1);
    expect(Math.max(...starts)).toBeLessThanOrEqual(T0 + 49 * HOUR);
    expect(Math.min(...[...groups.actions.values()].map((a) => a.minSize ?? 0))).toBe(2);
  });
});

describe('a failed ledger write is counted (issue 20, item 2)', () => {
  it('floors not written: the run fails, RecordFailures counted', async () => {
    const { deps, ledger, counted } = setUp(policyWith());
    ledger.writeFloors = async () => {
      throw new Error('AccessDeniedException: dynamodb:UpdateItem');
    };
    await expect(predictTargets(deps)).rejects.toThrow(/prediction failed for "api": AccessDeniedException/);
    expect(counted).toEqual(['floors']);
  });
});
