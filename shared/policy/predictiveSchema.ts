import { z } from 'zod';
import { positiveUpTo, unitCount, wholeNumber } from './bounds';
import { policyName as name } from './policyName';

// The policy's `predictive` section: the hourly forecast's floors, its trust gate, known events, tuning.

/**
 * A known event (the seeds' ticket rush): its window raises the floor of the targets it names (all predictive
 * targets when none), to `units`, or to the forecast's need × `multiplier`, started early by the lead time.
 */
export const PredictiveEventSchema = z
  .strictObject({
    name,
    start: z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, e.g. 2026-12-05T18:00:00Z'),
    end: z.iso.datetime({ offset: true }).describe('ISO 8601 date-time, after start'),
    demand: z
      .strictObject({
        units: unitCount().optional().describe('the floor for the window, in units'),
        multiplier: positiveUpTo(100, '×')
          .optional()
          .describe("the forecast's need times this for the window (never below the forecast)"),
      })
      .refine((d) => (d.units === undefined) !== (d.multiplier === undefined), {
        message: 'name units or multiplier (exactly one)',
      }),
    targets: z
      .array(name)
      .min(1)
      .optional()
      .describe('names of predictive targets it concerns; default: every predictive target'),
  })
  .refine((e) => Date.parse(e.end) > Date.parse(e.start), {
    path: ['end'],
    message: 'must be after start',
  });

/** The floors reach 48 hours ahead (the next hourly run, then this many minutes), as AWS predictive scaling plans. */
export const FLOOR_HORIZON_MINUTES = 48 * 60 - 60;

/** A closed range a walk-forward knob is chosen in. */
function knobRange(lowest: number, highest: number, defaults: { min: number; max: number }, what: string) {
  return z
    .strictObject({
      min: z.number().min(lowest).max(highest).default(defaults.min),
      max: z.number().min(lowest).max(highest).default(defaults.max),
    })
    .refine((r) => r.min <= r.max, { path: ['max'], message: 'must be at least min' })
    .prefault({})
    .describe(what);
}

/**
 * Walk-forward tuning of each predictive target's floors (issue 22): every run scores, on the target's own last
 * `windowHours`, the floors each allowed knob setting would have written, and keeps the one that would have cost
 * least (capacity, plus `overloadMinuteCost` for each minute of demand above it). Defaults are chosen
 * leave-one-trace-out (bench/results.md).
 */
export const FloorTuningSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'choose each target’s floor knobs from its own past runs (off: quantile 0.95, no hold, floors on)',
      ),
    windowHours: z
      .number()
      .int()
      .min(24)
      .max(168)
      .default(48)
      .describe('the past scored; under 24 h of scored runs the defaults stand (quantile 0.95, no hold)'),
    headroomQuantile: knobRange(
      0.5,
      0.999,
      { min: 0.8, max: 0.99 },
      'the quantile of actual ÷ forecast the floors plan for: chosen in this range',
    ),
    holdMinutes: knobRange(
      0,
      240,
      { min: 0, max: 60 },
      'how long a floor stays at a step’s need after it: chosen in this range',
    ),
    allowReactiveOnly: z
      .boolean()
      .default(true)
      .describe('a target whose floors would not have paid for themselves runs on its rules alone'),
    overloadMinuteCost: z
      .number()
      .min(0)
      .max(1000)
      .default(1000)
      .describe('what one minute of demand above capacity is worth, in unit-minutes of capacity'),
  })
  .prefault({});

export const PredictiveSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    lookbackDays: z
      .number()
      .int()
      .min(1)
      .max(60)
      .default(32)
      .describe(
        'days of history each forecast reads; 32 is all a forecast depends on (fewer: the forecast sees less)',
      ),
    horizonMinutes: wholeNumber('min', 5, FLOOR_HORIZON_MINUTES, 'the floors reach 48 h at most')
      .default(FLOOR_HORIZON_MINUTES)
      .describe(
        'how far beyond the next hourly run the floors reach (how long they outlive a run that fails); default: 48 h ahead in all, as AWS predictive scaling plans',
      ),
    capacityBufferPercent: z
      .number()
      .min(0)
      .max(200)
      .default(30)
      .describe(
        'headroom over the point forecast until 4 hours of forecasts are scored; then the measured headroom',
      ),
    maxBufferPercent: z
      .number()
      .min(0)
      .max(1000)
      .nullable()
      .default(300)
      .describe(
        'the most headroom the measured one may add over the point forecast, for a target’s floors and a plan’s (a ratio measured on a quiet night is not planned for at the peak), 0–1000; null: no cap (chosen leave-one-trace-out, bench/results.md)',
      ),
    maxBufferOfMeanPercent: z
      .number()
      .min(0)
      .max(1000)
      .nullable()
      .default(150)
      .describe(
        "the most load the headroom may add at any step, in percent of the forecast's mean over its span, for a target's floors and a plan's (a peak several times the level is not given the level's multiple of a quiet hour's miss), 0–1000; null: no limit (chosen leave-one-trace-out, bench/results.md)",
      ),
    mode: z.enum(['forecast-and-scale', 'forecast-only']).default('forecast-only'),
    trustMaseRatio: z
      .number()
      .min(0.5)
      .max(10)
      .default(2)
      .describe(
        "the trust gate: floors stay on while the last week's forecasts' MASE is at most this × seasonal-naive's (chosen leave-one-trace-out, bench/results.md)",
      ),
    seasonalFloor: z
      .array(z.enum(['day', 'week']))
      .max(2)
      .refine((p) => new Set(p).size === p.length, { message: 'name each period once' })
      .default([])
      .describe(
        "raise the forecast to the load a day (or a week) before at the same time, scaled by today's level ÷ that day's (last 3 h), where that is higher; empty: the forecast alone (chosen leave-one-trace-out, bench/results.md)",
      ),
    provisioningMinutes: z
      .strictObject({
        'rds-replicas': z.number().int().min(0).max(120).default(15),
        'cache-shards': z.number().int().min(0).max(120).default(10),
      })
      .prefault({})
      .describe('how early a floor starts before the need, per kind (groups: instanceWarmupSeconds)'),
    events: z.array(PredictiveEventSchema).max(100).default([]).describe('known events (a ticket rush)'),
    tuning: FloorTuningSchema,
  })
  .prefault({});
