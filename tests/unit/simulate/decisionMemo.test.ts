import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, ScalingHistory } from '../../../shared/decision/types';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Target, TargetKind } from '../../../shared/policy/schema';
import { scalepilot } from '../../../shared/simulate/baselines';
import { type Scenario, simulate } from '../../../shared/simulate/engine';
import { benchFloorSettings } from '../../../shared/simulate/predictive';
import { backtestScenario } from '../../../shared/simulate/runBacktest';
import { scalepilotTarget } from '../../../shared/simulate/scalepilotTarget';
import { parseTraceCsv, toMinuteSeries } from '../../../shared/simulate/trace';

const TRACES = process.env.SCALEPILOT_TRACES ?? resolve(import.meta.dirname, '../../../../shared/traces');
const KINDS: TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];
const START = Date.parse('2026-03-02T00:00:00Z');

/**
 * A Scalepilot row run with the memo and without it (decideCapacity every minute): a hash of every minute's
 * decision (capacity, recommendation, direction, reason) and of the history recorded after it, and how many
 * decisions the memo reused.
 */
function both(target: Target, s: Scenario, start: number, floors?: ReturnType<typeof benchFloorSettings>) {
  const run = (memo: boolean) => {
    // A running FNV-1a of every number seen (a string per minute would cost more than the decision).
    let hash = 2166136261;
    const mix = (x: number) => {
      hash = Math.imul(hash ^ (x | 0), 16777619) >>> 0;
      hash = Math.imul(hash ^ ((x / 4294967296) | 0), 16777619) >>> 0;
    };
    const reasons = new Map<string, number>();
    const onDecision = (minute: number, d: Decision, h: ScalingHistory) => {
      mix(minute);
      mix(d.current);
      mix(d.desired);
      mix(d.recommendation);
      mix(d.direction === 'out' ? 1 : d.direction === 'in' ? 2 : 3);
      mix(reasons.get(d.reason) ?? reasons.set(d.reason, reasons.size).size - 1);
      for (const r of h.recommendations) {
        mix(r.at.getTime());
        mix(r.desired);
      }
      for (const c of h.changes) {
        mix(c.at.getTime());
        mix(c.from);
        mix(c.to);
      }
      mix(h.lastScaleOutAt?.getTime() ?? -1);
      mix(h.lastScaleInAt?.getTime() ?? -1);
    };
    const timeline = simulate(
      scalepilot(target, { ...(floors ? { floors } : {}), memo, onDecision })(),
      s,
      start,
    );
    return { timeline, hash, reasons: [...reasons.keys()] };
  };
  return { memo: run(true), every: run(false) };
}

// The memo skips decideCapacity at a minute whose inputs are the minute before's. It must change nothing: here
// both Scalepilot rows run with it and without it on every shared trace (its first 30 days: the whole of most;
// `npm run bench:speed` checks the whole taxi trace too), for every kind, and every minute's decision and
// recorded history must be the same.
const DAYS = 30;
describe('DecisionMemo: the Scalepilot rows decide as with decideCapacity every minute', () => {
  const files = readdirSync(TRACES).filter((f) => f.endsWith('.csv'));
  it.each(files.flatMap((file) => KINDS.map((kind) => ({ file, kind }))))(
    '$file, $kind: both rows, every minute of the first 30 days',
    ({ file, kind }) => {
      const whole = toMinuteSeries(
        parseTraceCsv(readFileSync(resolve(TRACES, file), 'utf8'), file),
        !/cpu_utilization/.test(file),
      );
      const series = { ...whole, load: whole.load.slice(0, DAYS * 1440) };
      const s = backtestScenario(series.load, kind);
      const target = scalepilotTarget(s);
      const floors = benchFloorSettings(series.stepMinutes);
      for (const rowFloors of [floors, undefined]) {
        const { memo, every } = both(target, s, series.start, rowFloors);
        expect(memo.hash).toBe(every.hash);
        expect(memo.reasons).toEqual(every.reasons);
        expect(Array.from(memo.timeline.ordered)).toEqual(Array.from(every.timeline.ordered));
        expect(memo.timeline.decisions).toEqual(every.timeline.decisions);
      }
    },
  );
});

/** A noisy daily load with bursts, from a seed. */
function randomLoad(minutes: number, seed: number, burst: number, noise: number): number[] {
  let x = seed;
  const rnd = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  let level = 40;
  return Array.from({ length: minutes }, (_, m) => {
    // A held level that jumps now and then, as traces step-hold their rows.
    if (m % 5 === 0) level = 40 + 25 * Math.sin((2 * Math.PI * m) / 1440) + noise * rnd();
    return level + (m % 60 >= 40 && m % 60 < 47 ? burst : 0);
  });
}

describe('DecisionMemo: property', () => {
  it('on random loads and policies (windows, the hold after a scale-out, cooldowns, rate limits, periods of 1 and 5 minutes), every minute the same decision and history', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 1, max: 2 ** 30 }),
          burst: fc.integer({ min: 0, max: 60 }),
          noise: fc.integer({ min: 0, max: 30 }),
          kind: fc.constantFrom<TargetKind>('asg', 'rds-replicas', 'cache-shards'),
          scaleOutWindow: fc.constantFrom(0, 60, 180),
          scaleInWindow: fc.constantFrom(0, 120, 300, 600),
          scaleInAfterScaleOut: fc.constantFrom(undefined, 0, 900, 3600),
          scaleOutCooldown: fc.constantFrom(1, 60, 300),
          scaleInCooldown: fc.constantFrom(1, 90, 600),
          periodSeconds: fc.constantFrom(60, 300),
          evaluationPeriods: fc.integer({ min: 1, max: 3 }),
          tolerance: fc.constantFrom(0, 0.1),
          rateLimit: fc.boolean(),
          step: fc.boolean(),
        }),
        (c) => {
          const load = randomLoad(1440, c.seed, c.burst, c.noise);
          const s = backtestScenario(load, c.kind);
          const base = scalepilotTarget(s);
          const metric = { namespace: 'Backtest', name: 'Utilisation', periodSeconds: c.periodSeconds };
          const rule = c.step
            ? {
                name: 'utilisation',
                type: 'step',
                metric,
                evaluationPeriods: c.evaluationPeriods,
                scaleOut: [{ above: 75, add: 2 }],
                scaleIn: [{ below: 35, remove: 1 }],
              }
            : {
                name: 'utilisation',
                type: 'target-tracking',
                metric,
                evaluationPeriods: c.evaluationPeriods,
                target: 70,
                tolerance: c.tolerance,
              };
          const target = validatePolicy({
            version: 1,
            targets: [
              {
                ...base,
                rules: [rule],
                metricStaleAfterSeconds: 2 * c.periodSeconds,
                cooldowns: { scaleOutSeconds: c.scaleOutCooldown, scaleInSeconds: c.scaleInCooldown },
                stabilization: {
                  scaleOutSeconds: c.scaleOutWindow,
                  scaleInSeconds: c.scaleInWindow,
                  ...(c.scaleInAfterScaleOut === undefined
                    ? {}
                    : { scaleInAfterScaleOutSeconds: c.scaleInAfterScaleOut }),
                },
                rateLimits: c.rateLimit
                  ? {
                      scaleOut: [{ type: 'units', value: 2, periodSeconds: 300 }],
                      scaleIn: [{ type: 'percent', value: 10, periodSeconds: 600 }],
                    }
                  : { scaleOut: [], scaleIn: [] },
              },
            ],
          }).targets[0] as Target;
          const { memo, every } = both(target, s, START);
          expect(memo.hash).toBe(every.hash);
          expect(memo.reasons).toEqual(every.reasons);
        },
      ),
      { seed: 2026, numRuns: 40 },
    );
  });
});
