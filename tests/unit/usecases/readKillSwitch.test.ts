import { describe, expect, it } from 'vitest';
import { type PauseState, pauseStateOf } from '../../../shared/decision/pauseState';
import type { CapacityChangeNotice, PauseSwitch } from '../../../shared/ports';
import { evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepPolicy, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// Issue 20, item 3: a failed read of the pause parameter counted as "not paused", even right after a read
// said paused; only `true` paused, so `yes`, `1` or `on` let the scalers act. The switch now has one meaning
// (shared/decision/pauseState.ts) read in one step (shared/usecases/readKillSwitch.ts) by every writer.

const PARAMETER = '/scalepilot/test/paused';

describe('the switch’s value set', () => {
  it.each([
    { name: 'true', value: 'true', want: 'paused', notice: false, keep: false },
    { name: 'true, padded and in capitals', value: '  TRUE\n', want: 'paused', notice: false, keep: false },
    { name: 'keep-schedule', value: 'keep-schedule', want: 'paused', notice: false, keep: true },
    { name: 'Keep-Schedule, padded', value: ' Keep-Schedule ', want: 'paused', notice: false, keep: true },
    { name: 'false', value: 'false', want: 'running', notice: false },
    { name: 'False, padded', value: ' False ', want: 'running', notice: false },
    { name: 'yes (defect: the scalers acted)', value: 'yes', want: 'paused', notice: true },
    { name: '1 (defect: the scalers acted)', value: '1', want: 'paused', notice: true },
    { name: 'on (defect: the scalers acted)', value: 'on', want: 'paused', notice: true },
    { name: 'empty', value: '', want: 'paused', notice: true },
    { name: 'a missing parameter', value: undefined, want: 'unknown', notice: false },
  ])('$name → $want', ({ value, want, notice, keep }) => {
    const state = pauseStateOf(value, PARAMETER);
    expect(state.state).toBe(want);
    expect(state.state === 'paused' && state.notice !== undefined).toBe(notice);
    // Only `keep-schedule` leaves the forecast's scheduled actions to fire.
    expect(state.state === 'paused' && state.keepSchedule === true).toBe(keep === true);
    if (notice && state.state === 'paused') expect(state.notice).toContain(`is ${JSON.stringify(value)}`);
  });
});

/** A scaler at 4 units with CPU at 85% (it wants 6), under a switch that answers what `answers` says, in order. */
function scaler(answers: (() => Promise<PauseState>)[]) {
  const clock = testClock(new Date('2026-11-22T12:00:30Z'));
  const ledger = new InMemoryLedger();
  const capacity = new InMemoryCapacity(4);
  const notices: CapacityChangeNotice[] = [];
  const errors: string[] = [];
  // The switch answers each evaluation as given (an evaluation reads it for its batch and again for a target
  // about to act: the same answer, as the switch's cache gives it within a run).
  let evaluation = 0;
  const pause: PauseSwitch = {
    read: () => (answers[Math.min(evaluation, answers.length - 1)] as () => Promise<PauseState>)(),
  };
  const tick = async () => {
    const [result] = await evaluateTargets(
      {
        policy: seedStepPolicy(),
        kind: 'asg',
        capacity,
        metrics: new FunctionMetrics(() => 85),
        ledger,
        notifier: { capacityChanged: async (n) => void notices.push(n) },
        clock,
        log: { info() {}, warn() {}, error: (m) => void errors.push(m) },
        owner: `r${evaluation}`,
        pause,
      },
      { trigger: 'schedule' },
    );
    clock.advance(60);
    evaluation += 1;
    return result?.decision;
  };
  return { tick, capacity, notices, errors, ledger };
}
const paused = async (): Promise<PauseState> => ({ state: 'paused', value: 'true' });
const running = async (): Promise<PauseState> => ({ state: 'running' });
const unreadable = async (): Promise<PauseState> => {
  throw new Error('SSM GetParameter /scalepilot/test/paused failed: ThrottlingException');
};
const missing = async () => pauseStateOf(undefined, PARAMETER);

describe('an unreadable switch changes nothing (defect: a failed read counted as not paused)', () => {
  it.each([
    { name: 'a read that fails', answer: unreadable, why: 'ThrottlingException' },
    { name: 'a parameter that is missing', answer: missing, why: 'does not exist' },
  ])(
    '$name: PauseUnknown, recorded, no change, one notice for two minutes of it',
    async ({ answer, why }) => {
      const { tick, capacity, notices } = scaler([answer]);
      const first = await tick();
      const second = await tick();
      expect(first).toMatchObject({ reason: 'PauseUnknown', desired: 4 });
      expect(first?.message).toContain(why);
      expect(first?.message).toContain('not carrying out ScaleOut 4 → 6');
      expect(second?.reason).toBe('PauseUnknown');
      expect(capacity.sets).toEqual([]);
      expect(notices.map((n) => n.decision.reason)).toEqual(['PauseUnknown']);
    },
  );

  it('paused, then unreadable: still nothing changes; readable and running again: the next evaluation acts', async () => {
    const { tick, capacity, errors } = scaler([paused, unreadable, running]);
    expect((await tick())?.reason).toBe('Paused');
    expect((await tick())?.reason).toBe('PauseUnknown');
    expect(capacity.sets).toEqual([]);
    expect(errors).toContain('kill switch unreadable: acting on nothing');
    expect((await tick())?.reason).toBe('ScaleOut');
    expect(capacity.sets).toEqual([6]);
  });

  it('an unexpected value pauses, told once with the value named', async () => {
    const { tick, capacity, notices } = scaler([async () => pauseStateOf('yes', PARAMETER)]);
    await tick();
    await tick();
    expect(capacity.sets).toEqual([]);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.decision.message).toContain(
      `${PARAMETER} is "yes", which is none of true, keep-schedule or false`,
    );
  });
});
