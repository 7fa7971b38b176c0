import { describe, expect, it } from 'vitest';
import { type PauseState, pauseStateOf } from '../../../shared/decision/pauseState';
import type { PauseSwitch } from '../../../shared/ports';
import { predictTargets } from '../../../shared/usecases/predictTargets';
import { planPolicy, setUpPlanRun } from './predictPlanMembersFixtures';

// Safety review s50: predict read the kill switch once at its start and again only before its 2nd, 3rd… own
// target. A plan member's floors and MinSize actions, and the first own target's, went by that first read, and
// the end of the run compared with a switch never read again. A `scalepilot pause` during the run's history
// reads (it deletes the forecast's actions then) was followed by fresh ones, which AWS ran while paused.

/**
 * The switch as SsmPauseSwitch keeps its contract: a read is cached for 30 s from the `now` it was read at, so a
 * run that passed its start time again would never see a pause. `set` is the operator's `scalepilot pause`.
 */
class CachedSwitch implements PauseSwitch {
  private value = 'false';
  private cached?: { state: PauseState; until: number };
  set(value: string) {
    this.value = value;
  }
  async read(now: Date, options: { readonly fresh?: boolean } = {}): Promise<PauseState> {
    if (!options.fresh && this.cached && now.getTime() < this.cached.until) return this.cached.state;
    const state = pauseStateOf(this.value, '/scalepilot/prod/paused');
    this.cached = { state, until: now.getTime() + 30_000 };
    return state;
  }
}

/**
 * One run, the operator setting the switch to `pause` (if any) at `when`: during the run's history reads (each
 * takes 20 s), or right after api's record, the last write of the run's targets (the rest of the run 40 s more).
 */
async function runPausedAt(row: {
  apiPredictive: boolean;
  pause?: string;
  when?: 'history' | 'after api';
  earlier?: boolean;
  /** How long the run goes on after the pause `after api` (default 40 s). */
  restSeconds?: number;
}) {
  const killSwitch = new CachedSwitch();
  let reads = 0;
  const { deps, clock, ledger, groups } = setUpPlanRun(planPolicy(row), () => {
    clock.advance(20);
    if (row.pause && row.when === 'history' && ++reads === 1) killSwitch.set(row.pause);
  });
  if (row.earlier) {
    groups.putEarlier('g', 'api');
    groups.putEarlier('g2', 'workers');
  }
  const before = [groups.ours('g'), groups.ours('g2')];
  const record = ledger.record.bind(ledger);
  ledger.record = async (decision, context) => {
    await record(decision, context);
    if (
      row.pause &&
      row.when === 'after api' &&
      decision.target === 'api' &&
      context.trigger === 'forecast'
    ) {
      killSwitch.set(row.pause);
      clock.advance(row.restSeconds ?? 40);
    }
  };
  const predictions = await predictTargets({ ...deps, pause: killSwitch });
  return { predictions, ledger, groups, before };
}

describe('predict paused on its way (defect: members and the first target wrote on the run’s first read of the switch)', () => {
  it.each([
    {
      name: 'paused during the history reads, api a plan member only: both members Paused, no action on either group',
      apiPredictive: false,
      pause: 'true',
      when: 'history' as const,
      reasons: { api: 'Paused', workers: 'Paused' },
      left: { g: 0, g2: 0 },
    },
    {
      name: 'paused during the history reads, api forecasting on its own too: the member and the first target Paused',
      apiPredictive: true,
      pause: 'true',
      when: 'history' as const,
      reasons: { api: 'Paused', workers: 'Paused' },
      left: { g: 0, g2: 0 },
    },
    {
      name: 'paused during the history reads, an earlier run’s actions there: all deleted, none put back',
      apiPredictive: false,
      pause: 'true',
      when: 'history' as const,
      earlier: true,
      reasons: { api: 'Paused', workers: 'Paused' },
      left: { g: 0, g2: 0 },
    },
    {
      name: 'paused with keep-schedule during the history reads: the earlier run’s actions kept as they were, none written',
      apiPredictive: true,
      pause: 'keep-schedule',
      when: 'history' as const,
      earlier: true,
      reasons: { api: 'Paused', workers: 'Paused' },
      left: { g: 3, g2: 3 },
      kept: true,
    },
    {
      name: 'paused after the last target wrote: the run’s end reads it again and deletes what the run had put',
      apiPredictive: true,
      pause: 'true',
      when: 'after api' as const,
      reasons: { api: 'PlanForecast', workers: 'PlanForecast' },
      left: { g: 0, g2: 0 },
    },
    {
      name: 'paused 5 s before the run’s end, inside the switch’s cache: its end reads past the cache, and deletes them',
      apiPredictive: true,
      pause: 'true',
      when: 'after api' as const,
      restSeconds: 5,
      reasons: { api: 'PlanForecast', workers: 'PlanForecast' },
      left: { g: 0, g2: 0 },
    },
    {
      name: 'never paused: every member’s floors on its group, as usual',
      apiPredictive: true,
      reasons: { api: 'PlanForecast', workers: 'PlanForecast' },
      left: { g: 'some', g2: 'some' },
    },
  ])('$name', async (row) => {
    const { predictions, ledger, groups, before } = await runPausedAt(row);
    const reasons = Object.fromEntries(predictions.map((p) => [p.decision.target, p.decision.reason]));
    expect(reasons).toEqual(row.reasons);
    for (const [group, want] of Object.entries(row.left)) {
      const ours = groups.ours(group);
      if (want === 'some') expect(ours.length, group).toBeGreaterThan(0);
      else expect(ours, group).toHaveLength(want);
    }
    if (row.kept) expect([groups.ours('g'), groups.ours('g2')]).toEqual(before);
    for (const p of predictions.filter((x) => x.decision.reason === 'Paused')) {
      expect(p.decision.message).toContain('paused by the kill switch');
      expect((await ledger.read(p.decision.target)).floors).toBeUndefined();
    }
  });
});
