import type { CloudWatchMetricsReader } from '../../shared/adapters/CloudWatchMetricsReader';
import type { AlarmDefinition } from '../../shared/policy/alarmDefinitions';
import type { MetricQuery } from '../../shared/ports';
import { type AlarmStateValue, alarmState } from '../../shared/simulate/alarmState';
import type { LocalAccount } from './localAccount';

/** An alarm's state as CloudWatch keeps it: value, reason, and since when. */
export type AlarmStateRecord = { state: AlarmStateValue; reason: string; at: string };

/** CloudWatch's part: evaluate each alarm over its last periods and report the ones whose state changed. */
export async function evaluateAlarms(
  local: LocalAccount,
  reader: CloudWatchMetricsReader,
  now: number,
  states: Map<string, AlarmStateRecord>,
  changed: (
    alarm: LocalAccount['alarms'][number],
    state: AlarmStateRecord,
    previous: AlarmStateRecord,
  ) => Promise<void>,
): Promise<void> {
  const span = (a: AlarmDefinition) => a.evaluationPeriods * a.metric.periodSeconds * 1000;
  const longest = Math.max(...local.alarms.map(span));
  // A rule's scale-out and scale-in alarms watch the same metric: read each metric once. (The reader's
  // query ids only name its results, so the metric itself can be the id.)
  const metricKey = (a: AlarmDefinition) => JSON.stringify(a.metric);
  const queries: MetricQuery[] = [...new Map(local.alarms.map((a) => [metricKey(a), a.metric]))].map(
    ([id, metric]) => ({ id, metric }),
  );
  const points = await reader.datapoints(queries, new Date(now - longest), new Date(now));
  for (const alarm of local.alarms) {
    const period = alarm.metric.periodSeconds * 1000;
    const from = now - span(alarm);
    const periods: (number | undefined)[] = new Array(alarm.evaluationPeriods).fill(undefined);
    for (const p of points.get(metricKey(alarm)) ?? []) {
      const k = Math.floor((p.timestamp.getTime() - from) / period);
      if (k >= 0 && k < periods.length) periods[k] = p.value;
    }
    const evaluation = alarmState(alarm, periods);
    const previous = states.get(alarm.alarmName) ?? {
      state: 'INSUFFICIENT_DATA' as const,
      reason: 'Unchecked: Initial alarm creation',
      at: new Date(now).toISOString(),
    };
    if (evaluation.state === previous.state) continue;
    const next = { ...evaluation, at: new Date(now).toISOString() };
    states.set(alarm.alarmName, next);
    await local.account.setAlarmState(alarm.alarmName, evaluation.state, evaluation.reason);
    await changed(alarm, next, previous);
  }
}
