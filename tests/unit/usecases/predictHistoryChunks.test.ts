import { describe, expect, it } from 'vitest';
import {
  type PredictDeps,
  type PredictionFailedError,
  predictTargets,
} from '../../../shared/usecases/predictTargets';
import { HISTORY_CHUNK_TARGETS } from '../../../shared/usecases/readPredictLoads';
import { capturedLog, testClock } from '../../harness/fixtures';
import { InMemoryLedger } from '../../harness/inMemoryPorts';
import {
  CollectedForecastMetrics,
  InMemoryScheduledActions,
  SyntheticHistory,
} from '../../harness/predictPorts';
import { asgTarget, DAY, daily, policyWith, T0 } from './predictTargetsFixtures';

// Every target's 32 days were read at once, before the first forecast: about 3.5 MB a target held to the run's
// end, so at about 300 predictive targets the function's 1 GB ran out every hour, before its deadline could
// defer any (found by a review; measured with the real CloudWatch reader on a fake client).

/** `n` groups like the predict tests' one, forecast-only (nothing but the reads and forecasts is under test). */
const fleet = (n: number) =>
  policyWith(
    { mode: 'forecast-only' },
    Array.from({ length: n }, (_, i) => ({ ...asgTarget, name: `api-${i}`, autoScalingGroupName: `g-${i}` })),
  );

/** The predict function's ports over `n` targets, the history and the publisher given. */
const depsOf = (
  n: number,
  history: PredictDeps['history'],
  publisher: PredictDeps['publisher'],
): PredictDeps => ({
  policy: fleet(n),
  history,
  ledger: new InMemoryLedger(),
  groups: new InMemoryScheduledActions(),
  publisher,
  clock: testClock(new Date(T0)),
  log: capturedLog().sink,
  recordFailed: () => {},
});

describe('the lookback history is read a chunk of targets at a time, as the run reaches them', () => {
  it(`60 targets: three reads of at most ${HISTORY_CHUNK_TARGETS} targets, each after the chunk before was forecast`, async () => {
    const history = new SyntheticHistory(daily);
    const order: string[] = [];
    const publisher = new CollectedForecastMetrics();
    const reading = history.history.bind(history);
    history.history = async (queries, start, end) => {
      if (end.getTime() - start.getTime() > DAY) order.push(`read ${queries.length / 2}`);
      return reading(queries, start, end);
    };
    const deps = depsOf(60, history, {
      publish: async (data) => {
        order.push('forecast');
        return publisher.publish(data);
      },
    });
    const predictions = await predictTargets(deps);
    expect(predictions).toHaveLength(60);
    const reads = order.flatMap((o, i) => (o.startsWith('read') ? [[o, i] as const] : []));
    expect(reads.map(([o]) => o)).toEqual(['read 25', 'read 25', 'read 10']);
    // Each chunk is read when its first target is reached, not before the run's first forecast.
    expect(order.slice(0, reads[1]?.[1]).filter((o) => o === 'forecast').length).toBeGreaterThanOrEqual(25);
  });

  it('a chunk whose read fails fails its own targets, not the run’s others', async () => {
    const history = new SyntheticHistory(() => 160);
    const reading = history.history.bind(history);
    let reads = 0;
    history.history = async (queries, start, end) => {
      if (end.getTime() - start.getTime() > DAY && ++reads === 2) throw new Error('GetMetricData throttled');
      return reading(queries, start, end);
    };
    const deps = depsOf(30, history, new CollectedForecastMetrics());
    const failed = await predictTargets(deps).then(
      () => [] as string[],
      (e: PredictionFailedError) => e.failures.map((f) => f.target),
    );
    expect(failed).toEqual(Array.from({ length: 5 }, (_, i) => `api-${25 + i}`));
  });
});
