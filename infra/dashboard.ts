import { FORECAST_NAMESPACE } from '../shared/adapters/CloudWatchForecastMetrics';
import { ruleThresholds } from '../shared/policy/alarmDefinitions';
import type { Policy, Target } from '../shared/policy/schema';
import { metricDimensions, serviceByKind, unitByKind } from '../shared/policy/targetResource';

/** The Powertools metrics namespace of the functions (serverless.yml's POWERTOOLS_METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'Scalepilot';

/** One widget of a dashboard body ("Dashboard Body Structure and Syntax"). */
export type Widget = {
  type: 'metric';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
};

// A CloudFormation Fn::Sub variable, not a JavaScript template.
export const REGION = `\${AWS::Region}`;

/** CloudWatch's most widgets in one dashboard body (PutDashboard refuses more). */
export const MAX_DASHBOARD_WIDGETS = 500;
/** Each target's row holds three widgets. */
const WIDGETS_PER_TARGET = 3;

/**
 * The CloudWatch dashboards of the stack, one row per target: its scaling metrics with the policy's
 * thresholds drawn on them, ordered and serving capacity (and the forecast where predictive scaling is
 * on), and the decisions per reason code. The capacity and decision series are the functions' EMF
 * metrics (the forecast's, predict's PutMetricData in FORECAST_NAMESPACE); each body carries `${AWS::Region}` for `Fn::Sub`. Past MAX_DASHBOARD_WIDGETS the targets go on
 * further dashboards, in policy order: one body over the limit would fail the deploy.
 */
export function dashboardBodies(policy: Policy): { widgets: Widget[] }[] {
  const perDashboard = Math.floor(MAX_DASHBOARD_WIDGETS / WIDGETS_PER_TARGET);
  const bodies: { widgets: Widget[] }[] = [];
  for (let first = 0; first < Math.max(1, policy.targets.length); first += perDashboard) {
    const widgets = policy.targets
      .slice(first, first + perDashboard)
      .flatMap((target, row) => [
        metricsWidget(target, row * 6),
        capacityWidget(policy, target, row * 6),
        reasonsWidget(target, row * 6),
      ]);
    bodies.push({ widgets });
  }
  return bodies;
}

/** A target's scaling metrics, with each rule's thresholds drawn on them. */
function metricsWidget(target: Target, y: number): Widget {
  const own = target.rules.flatMap((rule) =>
    ruleThresholds(rule).map((t) => ({ ...t, ruleName: rule.name })),
  );
  return {
    type: 'metric',
    x: 0,
    y,
    width: 9,
    height: 6,
    properties: {
      title: `${target.name}: scaling metrics`,
      region: REGION,
      view: 'timeSeries',
      stat: 'Average',
      period: 60,
      metrics: target.rules.flatMap((rule, i) => ruleSeries(target, rule, i)),
      annotations: {
        horizontal: own.map((a) => ({
          label: `${a.ruleName} scale ${a.direction} ${a.direction === 'out' ? '>' : '<'} ${a.threshold}`,
          value: a.threshold,
          color: a.direction === 'out' ? '#d62728' : '#2ca02c',
        })),
      },
      yAxis: { left: { min: 0 } },
    },
  };
}

/** A target's ordered and serving capacity (and the forecast's, with predictive scaling on) within its bounds. */
function capacityWidget(policy: Policy, target: Target, y: number): Widget {
  const series = (
    name: string,
    service: string,
    stat: string,
    label: string,
    namespace = METRICS_NAMESPACE,
  ) => [namespace, name, 'service', service, 'target', target.name, { stat, label }];
  return {
    type: 'metric',
    x: 9,
    y,
    width: 8,
    height: 6,
    properties: {
      title: `${target.name}: capacity (${unitByKind[target.kind]}s)`,
      region: REGION,
      view: 'timeSeries',
      period: 60,
      metrics: [
        series('OrderedCapacity', serviceOf(target), 'Maximum', 'ordered'),
        series('ServingCapacity', serviceOf(target), 'Minimum', 'serving'),
        ...(predictive(policy, target)
          ? [series('ForecastCapacity', 'predict', 'Maximum', 'forecast', FORECAST_NAMESPACE)]
          : []),
      ],
      annotations: {
        horizontal: [
          { label: 'min', value: target.capacity.min },
          { label: 'max', value: target.capacity.max },
        ],
      },
      yAxis: { left: { min: 0 } },
    },
  };
}

/** A target's decisions per reason code, stacked. */
function reasonsWidget(target: Target, y: number): Widget {
  return {
    type: 'metric',
    x: 17,
    y,
    width: 7,
    height: 6,
    properties: {
      title: `${target.name}: decisions per reason`,
      region: REGION,
      view: 'timeSeries',
      stacked: true,
      period: 300,
      metrics: [
        [
          {
            expression: `SEARCH('{${METRICS_NAMESPACE},reason,service,target} MetricName="Decisions" target="${target.name}"', 'Sum', 300)`,
            id: 'reasons',
            label: '',
          },
        ],
      ],
    },
  };
}

/**
 * A rule's metric as a dashboard series; a `percentOf` metric is drawn as the percentage its alarms use.
 * ElastiCache's per-node metrics (published per CacheClusterId only) are drawn for every node of the group.
 */
function ruleSeries(target: Target, rule: Target['rules'][number], i: number): unknown[][] {
  const m = rule.metric;
  if (target.kind === 'cache-shards' && m.namespace === 'AWS/ElastiCache' && !m.dimensions)
    return [
      [
        {
          expression: `SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName="${m.name}" CacheClusterId="${target.replicationGroupId}"', '${m.statistic}', ${m.periodSeconds})`,
          id: `nodes${i}`,
          label: `${rule.name} per node`,
        },
      ],
    ];
  const dims = Object.entries(metricDimensions(target, m.dimensions)).flat();
  const raw = [
    m.namespace,
    m.name,
    ...dims,
    { stat: m.statistic, period: m.periodSeconds, label: rule.name },
  ];
  if (m.percentOf === undefined) return [raw];
  return [
    [
      {
        expression: `100 * raw${i} / ${m.percentOf}`,
        id: `pct${i}`,
        label: `${rule.name} (% of ${m.percentOf})`,
      },
    ],
    [...raw.slice(0, -1), { ...(raw.at(-1) as object), id: `raw${i}`, visible: false }],
  ];
}

const serviceOf = (target: Target) => serviceByKind[target.kind];

const predictive = (policy: Policy, target: Target) =>
  policy.predictive.enabled && 'predictive' in target && target.predictive === true;
