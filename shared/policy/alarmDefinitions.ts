import type { MetricSpec, Policy, Target } from './schema';
import { functionByKind, metricDimensions } from './targetResource';

/** One CloudWatch alarm generated from one threshold of the policy. */
export interface AlarmDefinition {
  readonly alarmName: string;
  readonly targetName: string;
  readonly kind: Target['kind'];
  readonly ruleName: string;
  readonly direction: 'out' | 'in';
  readonly comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly metric: MetricSpec & { dimensions: Record<string, string> };
  /** The serverless.yml function the alarm invokes. */
  readonly functionName: string;
  /** Scale-out alarms treat missing data as missing; scale-in alarms as not breaching, so an outage never removes capacity. */
  readonly treatMissingData: 'missing' | 'notBreaching';
}

/**
 * Every threshold of the policy as an alarm definition. The stack template, the local account and the
 * handlers (to map an incoming alarm back to its target) all use this one list.
 */
export function alarmDefinitions(policy: Policy, stage: string): AlarmDefinition[] {
  return policy.targets.flatMap((target) =>
    target.rules.flatMap((rule) => {
      const base = {
        targetName: target.name,
        kind: target.kind,
        ruleName: rule.name,
        evaluationPeriods: rule.evaluationPeriods,
        metric: { ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) },
        functionName: functionByKind[target.kind],
      };
      const thresholds =
        rule.type === 'step'
          ? [
              ...rule.scaleOut.map((s) => ({ direction: 'out' as const, threshold: s.above })),
              ...rule.scaleIn.map((s) => ({ direction: 'in' as const, threshold: s.below })),
            ]
          : [
              { direction: 'out' as const, threshold: round(rule.target * (1 + rule.tolerance)) },
              { direction: 'in' as const, threshold: round(rule.target * (1 - rule.tolerance)) },
            ];
      return thresholds.map(({ direction, threshold }) => ({
        ...base,
        alarmName: `scalepilot-${stage}-${target.name}-${rule.name}-${direction === 'out' ? 'gt' : 'lt'}${threshold}`,
        direction,
        comparison: direction === 'out' ? ('GreaterThanThreshold' as const) : ('LessThanThreshold' as const),
        threshold,
        treatMissingData: direction === 'out' ? ('missing' as const) : ('notBreaching' as const),
      }));
    }),
  );
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
