import { kindScaler } from './kindScaler';
import { noReadings, readMetrics } from './readMetrics';
import type { EvaluateDeps, TargetLook, TargetReadings } from './types';

/**
 * The readings a leased target is decided on. A kind that reads a metric per instance (each replica's load and
 * lag) asked for the instances of the first look, and its gates pair the series with instances by position. When
 * the read under the lease found other instances (a replica came to serve, one was deleted by hand), those series
 * would be paired with the wrong replicas (another's lag, even another metric), so the target's metrics are read
 * again for what is there now: one more read, only then. A kind with one metric per rule reads the same either way.
 */
export async function readingsUnderLease(
  deps: EvaluateDeps,
  look: TargetLook,
  observation: unknown,
  readings: TargetReadings,
  now: Date,
): Promise<TargetReadings> {
  const { model } = kindScaler(deps.capacity);
  const first = look.observed && 'observation' in look.observed ? look.observed.observation : undefined;
  const metricsFor = model.metricsFor?.bind(model);
  if (!metricsFor || first === undefined) return readings;
  const queries = (o: unknown) =>
    JSON.stringify(look.target.rules.map((rule) => metricsFor(look.target, rule, o)));
  if (queries(first) === queries(observation)) return readings;
  deps.log.info('instances changed since the metrics were read: read again under the lease', {
    target: look.target.name,
  });
  const again = await readMetrics(deps, [{ ...look, observed: { observation } }], now);
  return again.byTarget.get(look.target.name) ?? noReadings;
}
