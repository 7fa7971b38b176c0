import type { AlarmDefinition } from '../policy/alarmDefinitions';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

export interface AlarmEvaluation {
  readonly state: AlarmStateValue;
  /** CloudWatch-style state reason, for the event and the log. */
  readonly reason: string;
}

/**
 * CloudWatch's evaluation of one alarm, as the local account needs it: the last `evaluationPeriods`
 * periods (oldest first, `undefined` where the period has no datapoint), all of which must breach
 * (DatapointsToAlarm = EvaluationPeriods, as the stack sets it).
 * Missing data follows the alarm's `treatMissingData`: `notBreaching` counts a gap as good; `missing`
 * ignores gaps, goes to ALARM when every datapoint present breaches, and has no data at all as
 * INSUFFICIENT_DATA.
 */
export function alarmState(
  alarm: Pick<AlarmDefinition, 'comparison' | 'threshold' | 'evaluationPeriods' | 'treatMissingData'>,
  periods: readonly (number | undefined)[],
): AlarmEvaluation {
  const window = periods.slice(-alarm.evaluationPeriods);
  const present = window.filter((v): v is number => v !== undefined);
  const breaches = (v: number) =>
    alarm.comparison === 'GreaterThanThreshold' ? v > alarm.threshold : v < alarm.threshold;
  const breaching = present.filter(breaches).length;
  const shown = `[${window.map((v) => (v === undefined ? '–' : round(v))).join(', ')}]`;
  const sign = alarm.comparison === 'GreaterThanThreshold' ? '>' : '<';
  if (alarm.treatMissingData === 'missing' && present.length === 0)
    return {
      state: 'INSUFFICIENT_DATA',
      reason: `no datapoints in the last ${alarm.evaluationPeriods} periods`,
    };
  const needed = alarm.treatMissingData === 'missing' ? present.length : alarm.evaluationPeriods;
  if (window.length === alarm.evaluationPeriods && breaching >= needed)
    return {
      state: 'ALARM',
      reason: `Threshold Crossed: ${breaching} datapoint(s) ${shown} ${sign} ${alarm.threshold}`,
    };
  return {
    state: 'OK',
    reason: `Threshold not crossed: ${breaching} of ${alarm.evaluationPeriods} datapoint(s) ${shown} ${sign} ${alarm.threshold}`,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
