import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { DynamoLedger } from '../../shared/adapters/DynamoLedger';
import { dynamoDocumentClient } from '../../shared/adapters/dynamoDocumentClient';
import { dynamoItemSize } from '../../shared/adapters/dynamoItemSize';
import { FORECAST_ITEM_BUDGET } from '../../shared/adapters/forecastTrackItem';
import { type ForecastTrack, inFlightAfter, KEPT_STEPS } from '../../shared/decision/forecastTrust';
import { validatePolicy } from '../../shared/policy/parsePolicy';
import type { Policy, Rule } from '../../shared/policy/schema';
import type { ForecastRun } from '../../shared/tune/forecastRuns';
import { trackedRuns } from '../../shared/tune/tunedKnobs';
import { trackedForecast } from '../../shared/usecases/trackedForecast';
import { capturedLog } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The forecast track of a target with tuning on, written through DynamoLedger to moto's DynamoDB and read back:
// the track predict keeps for three forecastable rules after three days of hourly runs (it was once over 400 KB,
// and every predict run failed), and the size guard on a track still over the budget.
//
// moto (the emulator's, 5.2.6) enforces the item limit, at 405,000 bytes ("between 409 and 410 KB" on AWS, it
// says), counting numbers as AWS documents (a byte per two significant digits, and one) but lists and maps
// without their overhead bytes: it takes a little more than AWS would, and whatever `dynamoItemSize` lets by.
const SCOPE = '123456789012#us-east-1';
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 10, 20);
const RULES = ['cpu', 'memory', 'connections'];

const emulator = useEmulator({ reset: false });

function policy(): Policy {
  const rule = (name: string, metric: string) => ({
    name,
    type: 'step',
    metric: { namespace: 'Custom/Api', name: metric, statistic: 'Average', periodSeconds: 300 },
    scaleOut: [{ above: 70, add: 2 }],
    scaleIn: [{ below: 30, remove: 1 }],
  });
  return validatePolicy({
    version: 1,
    targets: [
      {
        name: 'api',
        kind: 'asg',
        autoScalingGroupName: 'event-platform-api',
        capacity: { min: 2, max: 40 },
        instanceWarmupSeconds: 300,
        predictive: true,
        rules: RULES.map((r) => rule(r, `${r}Percent`)),
      },
    ],
    predictive: { enabled: true, mode: 'forecast-and-scale', tuning: { enabled: true } },
  });
}

/** A rule's 48-hour point forecast from `start`: full-precision doubles, as the forecasters make them. */
function point(start: number, r: number): number[] {
  return Array.from(
    { length: KEPT_STEPS },
    (_, i) => 180 + 60 * Math.sin((start / MIN + 5 * i) / 229 + r) + r / 3,
  );
}

/**
 * The track predict keeps after `hours` hourly runs, each forecasting every rule 48 hours ahead (its floors'
 * reach): its runs through `trackedRuns`, its forecasts through `trackedForecast` and `inFlightAfter`, a score an
 * hour and each rule's 6 hours of minute-by-minute calibration.
 */
function predictTrack(p: Policy, hours: number): ForecastTrack {
  const target = p.targets[0];
  if (!target) throw new Error('no target');
  let track: ForecastTrack | undefined;
  for (let h = 0; h < hours; h += 1) {
    const now = T0 + h * HOUR;
    const reach = now + 48 * HOUR;
    const forecasts = target.rules.map((rule: Rule, r) => ({
      rule,
      forecast: { start: now, stepMinutes: 5, point: point(now, r) },
    }));
    const scored = [...(track?.inFlight ?? []), ...(track?.forecasts ?? [])].map((f) => ({
      ...f,
      scoredUntil: now,
    }));
    track = {
      madeAt: now,
      forecasts: forecasts.map(({ rule, forecast }) =>
        trackedForecast(
          rule.name,
          forecast,
          { times: [now - HOUR, now], values: [170.123456789, 183.987654321] },
          KEPT_STEPS,
        ),
      ),
      inFlight: inFlightAfter(scored, new Date(now)),
      scoredUntil: now,
      scores: Array.from({ length: Math.min(h, 168) }, (_, i) => ({
        at: now - i * HOUR,
        steps: 12,
        forecastError: Math.PI * (i + 1),
        naiveError: Math.E * (i + 1),
      })),
      trusted: true,
      calibration: Object.fromEntries(
        RULES.map((r) => [
          r,
          Array.from({ length: 360 }, (_, i) => ({ time: now - i * MIN, ratio: 1 + Math.sin(i) / 7 })),
        ]),
      ),
      runs: trackedRuns(p.predictive, target, track, forecasts, new Date(now), reach),
    };
  }
  if (!track) throw new Error('no run');
  return track;
}

describe('the forecast track in DynamoDB', () => {
  it('moto refuses an item over 400 KB with a ValidationException, as DynamoDB does', async () => {
    await new DemoAccount(emulator.aws).createLedgerTable('ledger');
    const doc = dynamoDocumentClient(emulator.aws);
    const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: 'ledger', Item }));
    await expect(put({ pk: 'big', sk: 'TEXT', text: 'x'.repeat(410_000) })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    // Full-precision doubles, as forecasts are: about 10 bytes each.
    const doubles = Array.from({ length: 45_000 }, (_, i) => 100 + Math.sin(i));
    expect(dynamoItemSize({ pk: 'big', sk: 'NUMBERS', doubles })).toBeGreaterThan(450_000);
    await expect(put({ pk: 'big', sk: 'NUMBERS', doubles })).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await put({ pk: 'small', sk: 'TEXT', text: 'x'.repeat(390_000) });
  });

  it('keeps the track predict makes for three forecastable rules after three days of hourly runs: all but the oldest tuning runs', async () => {
    const p = policy();
    const track = predictTrack(p, 72);
    const log = capturedLog();
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE, undefined, log.sink);
    await ledger.writeForecastTrack('api', track);
    const read = await ledger.readForecastTrack('api');
    // What the trust and the headroom read, whole: the forecasts in force, about 9 per rule in flight (48 hours of
    // leads, 6 hours apart), the scores, the calibration.
    const { runs: _runs, ...judged } = track;
    expect(read).toMatchObject(judged);
    expect(read?.inFlight).toHaveLength(track.inFlight?.length ?? -1);
    expect(track.inFlight?.length).toBeGreaterThanOrEqual(3 * 8);
    // The rule tuning reads only: its runs of the last 54 hours and this one's, 48 hours each. Three rules' in-flight
    // forecasts at full precision leave no room for all of them: the oldest go (told), the newest 40 hours stay.
    expect(Object.keys(read?.runs ?? {})).toEqual(['cpu']);
    const kept = read?.runs?.cpu ?? [];
    expect(kept.length).toBeGreaterThanOrEqual(40);
    expect(kept).toEqual(track.runs?.cpu?.slice(-kept.length));
    expect(dynamoItemSize({ pk: `TARGET#${SCOPE}#api`, sk: 'FORECAST', track: read })).toBeLessThanOrEqual(
      FORECAST_ITEM_BUDGET,
    );
    const cut = kept.length < (track.runs?.cpu?.length ?? 0);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(cut ? 1 : 0);
  });

  it('writes a track over the budget with its oldest runs dropped, warning, instead of failing the write', async () => {
    // Every rule's runs at full precision, as predict kept them before (about 1.1 MB).
    const runs = (rule: number): ForecastRun[] =>
      Array.from({ length: 55 }, (_, k) => ({
        madeAt: T0 + k * HOUR,
        start: T0 + k * HOUR,
        stepMinutes: 5,
        point: point(T0 + k * HOUR, rule),
      }));
    const track: ForecastTrack = {
      madeAt: T0 + 54 * HOUR,
      forecasts: [{ rule: 'cpu', start: T0 + 54 * HOUR, stepMinutes: 5, point: [1, 2, 3], scale: 1 }],
      scoredUntil: T0,
      scores: [],
      trusted: true,
      runs: Object.fromEntries(RULES.map((r, i) => [r, runs(i)])),
    };
    expect(dynamoItemSize({ pk: 'TARGET#x', sk: 'FORECAST', track })).toBeGreaterThan(400_000);
    const log = capturedLog();
    const ledger = new DynamoLedger(emulator.aws, 'ledger', SCOPE, undefined, log.sink);
    await ledger.writeForecastTrack('api', track);
    const read = await ledger.readForecastTrack('api');
    expect(read?.forecasts).toEqual(track.forecasts);
    expect(dynamoItemSize({ pk: `TARGET#${SCOPE}#api`, sk: 'FORECAST', track: read })).toBeLessThanOrEqual(
      FORECAST_ITEM_BUDGET,
    );
    // The oldest runs go first: every run dropped was made no later than every run kept.
    const all = Object.entries(track.runs ?? {}).flatMap(([rule, rs]) =>
      rs.map((r) => ({ rule, madeAt: r.madeAt })),
    );
    const kept = new Set(
      Object.entries(read?.runs ?? {}).flatMap(([rule, rs]) => rs.map((r) => `${rule}@${r.madeAt}`)),
    );
    const dropped = all.filter((r) => !kept.has(`${r.rule}@${r.madeAt}`));
    expect(dropped.length).toBeGreaterThan(0);
    const newestDropped = Math.max(...dropped.map((r) => r.madeAt));
    expect(all.filter((r) => kept.has(`${r.rule}@${r.madeAt}`)).every((r) => r.madeAt >= newestDropped)).toBe(
      true,
    );
    expect(kept.has(`cpu@${T0 + 54 * HOUR}`)).toBe(true);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(1);
  });
});
