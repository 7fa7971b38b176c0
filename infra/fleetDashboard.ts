import type { Policy, TargetKind } from '../shared/policy/schema';
import { functionByKind, serviceByKind, unitByKind } from '../shared/policy/targetResource';
import { METRICS_NAMESPACE, REGION, type Widget } from './dashboard';

/**
 * The one dashboard of a stage with `fleet.targetDashboards: false`: the whole fleet's decisions per reason
 * code, the targets each scaler deferred to its next run (the series the stack's DeferredTargets alarms watch),
 * and the capacity ordered per kind. Its size does not grow with the targets, where a row per target takes
 * about 2 kB of the template's 1 MB. The sums are Metrics Insights queries, not SEARCH (a SEARCH returns at
 * most 500 series): the decisions from the scalers' count per run and reason (powertoolsDecisionMetrics), a few
 * dozen series, since a query reads at most 10,000 and one per target and reason passes that at 2,000 groups
 * ("Metrics Insights quotas"). Carries `${AWS::Region}` for `Fn::Sub`, as the per-target rows do.
 */
export function fleetDashboardBody(policy: Policy): { widgets: Widget[] } {
  const kinds = [...new Set(policy.targets.map((t) => t.kind))];
  return {
    widgets: [decisionsWidget(), deferredWidget(), ...kinds.map((kind, i) => orderedWidget(kind, i))],
  };
}

/** Every target's decisions per reason code, stacked: each run's `Decisions` by reason, summed over the scalers. */
function decisionsWidget(): Widget {
  return {
    type: 'metric',
    x: 0,
    y: 0,
    width: 12,
    height: 6,
    properties: {
      title: 'all targets: decisions per reason',
      region: REGION,
      view: 'timeSeries',
      stacked: true,
      period: 300,
      metrics: [
        [
          {
            expression: `SELECT SUM(Decisions) FROM SCHEMA(${METRICS_NAMESPACE}, reason, service) GROUP BY reason`,
            id: 'reasons',
            label: '',
          },
        ],
      ],
    },
  };
}

/**
 * The targets each scaler's runs deferred, per 5 minutes as its DeferredTargets alarm counts them (one in each
 * of three periods on end alarms), and the predict function's per hour.
 */
function deferredWidget(): Widget {
  const series = (service: string, label: string, period = 300) => [
    METRICS_NAMESPACE,
    'DeferredTargets',
    'service',
    service,
    { stat: 'Sum', period, label },
  ];
  return {
    type: 'metric',
    x: 12,
    y: 0,
    width: 12,
    height: 6,
    properties: {
      title: 'targets deferred to the next run',
      region: REGION,
      view: 'timeSeries',
      period: 300,
      metrics: [
        ...(Object.keys(serviceByKind) as TargetKind[]).map((kind) =>
          series(serviceByKind[kind], functionByKind[kind]),
        ),
        series('predict', 'predict (per hour)', 3600),
      ],
      yAxis: { left: { min: 0 } },
    },
  };
}

/**
 * The capacity ordered of a kind, summed over its targets each minute (`OrderedCapacity`, one a decision: a
 * target an alarm woke as well as the schedule counts twice that minute, one deferred not at all).
 */
function orderedWidget(kind: TargetKind, i: number): Widget {
  return {
    type: 'metric',
    x: 8 * i,
    y: 6,
    width: 8,
    height: 6,
    properties: {
      title: `${kind}: ${unitByKind[kind]}s ordered, all targets`,
      region: REGION,
      view: 'timeSeries',
      period: 60,
      metrics: [
        [
          {
            expression: `SELECT SUM(OrderedCapacity) FROM SCHEMA(${METRICS_NAMESPACE}, service, target) WHERE service = '${serviceByKind[kind]}'`,
            id: `ordered${i}`,
            label: 'ordered',
          },
        ],
      ],
      yAxis: { left: { min: 0 } },
    },
  };
}
