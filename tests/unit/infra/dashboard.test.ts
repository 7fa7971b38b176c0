import { describe, expect, it } from 'vitest';
import { MAX_DASHBOARD_WIDGETS } from '../../../infra/dashboard';
import { dashboardResources, deliveryAlarms } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';
import type { Policy } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// CloudWatch takes a dashboard body of at most 500 widgets (PutDashboard, "Dashboard Body Structure and
// Syntax"), and the stack draws three per target: a policy of 167 targets failed `sls deploy` at the dashboard
// (CloudFormation rolled the whole update back). Such a policy now passes other limits of one stack first (IAM's
// role size, CloudFormation's 500 resources: infra/stackLimits.ts refuses it when packaged); the dashboards are
// built for it all the same, so they are drawn here on their own.

const group = (i: number) => ({
  name: `g${i}`,
  kind: 'asg',
  autoScalingGroupName: `group-${i}`,
  capacity: { min: 1, max: 4 },
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/EC2', name: 'CPUUtilization' },
      scaleOut: [{ above: 70, add: 1 }],
    },
  ],
});

type Body = {
  widgets: { y: number; properties: { title: string; metrics: (string | Record<string, unknown>)[][] } }[];
};

function dashboards(targets: number | Policy) {
  const policy =
    typeof targets === 'number'
      ? validatePolicy({ version: 1, targets: Array.from({ length: targets }, (_, i) => group(i)) })
      : targets;
  return Object.entries(dashboardResources(policy, 'prod')).map(([id, r]) => ({
    id,
    name: r.Properties.DashboardName as string,
    body: JSON.parse((r.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as Body,
  }));
}

describe('the dashboards of the stack', () => {
  it.each([
    { name: 'one target: one dashboard, named after the stage', targets: 1, want: ['scalepilot-prod'] },
    { name: '166 targets (498 widgets) still fit one', targets: 166, want: ['scalepilot-prod'] },
    { name: '167 targets take a second', targets: 167, want: ['scalepilot-prod', 'scalepilot-prod-2'] },
    {
      name: '400 targets take three',
      targets: 400,
      want: ['scalepilot-prod', 'scalepilot-prod-2', 'scalepilot-prod-3'],
    },
  ])('$name, each within CloudWatch’s widgets and every target drawn once', ({ targets, want }) => {
    const made = dashboards(targets);
    expect(made.map((d) => d.name)).toEqual(want);
    expect(made[0]?.id).toBe('Dashboard'); // the first keeps its logical ID: a redeploy does not replace it
    for (const { body } of made) {
      expect(body.widgets.length).toBeLessThanOrEqual(MAX_DASHBOARD_WIDGETS);
      expect(body.widgets[0]?.y).toBe(0); // each dashboard starts at its top
    }
    const titles = made.flatMap((d) => d.body.widgets.map((w) => w.properties.title));
    expect(titles.filter((t) => t.endsWith(': scaling metrics'))).toHaveLength(targets);
    expect(new Set(titles).size).toBe(3 * targets);
  });
});

// Issue 23: a row per target is about 2 kB of the template's 1 MB (some 480 targets fill it). With
// `fleet.targetDashboards: false` the stage has one dashboard of the whole fleet instead, the same size however
// many targets, under the same logical ID and name (switching updates the dashboard, no replacement).
describe('fleet.targetDashboards: false', () => {
  const fleet = (targets: number) =>
    validatePolicy({
      version: 1,
      fleet: { targetDashboards: false },
      targets: Array.from({ length: targets }, (_, i) => group(i)),
    });
  const example = (): Policy => ({
    ...examplePolicy(),
    fleet: { ...examplePolicy().fleet, targetDashboards: false },
  });
  const asg = ['asg: instances ordered, all targets', 'scale-asg'];
  it.each([
    { name: 'one group', policy: () => fleet(1), capacity: [asg] },
    { name: '2,000 groups: the same widgets', policy: () => fleet(2000), capacity: [asg] },
    {
      name: 'the example, a target of each kind: the capacity ordered per kind',
      policy: example,
      capacity: [
        asg,
        ['rds-replicas: read replicas ordered, all targets', 'scale-rds-replicas'],
        ['cache-shards: shards ordered, all targets', 'scale-cache-shards'],
      ],
    },
  ])(
    '$name: one dashboard of the fleet’s decisions, deferred targets and capacity',
    ({ policy, capacity }) => {
      const made = dashboards(policy());
      expect(made.map((d) => [d.id, d.name])).toEqual([['Dashboard', 'scalepilot-prod']]);
      const body = made[0]?.body as Body;
      expect(body.widgets.map((w) => w.properties.title)).toEqual([
        'all targets: decisions per reason',
        'targets deferred to the next run',
        ...capacity.map(([title]) => title),
      ]);
      for (const [i, [, service]] of capacity.entries())
        expect(body.widgets[2 + i]?.properties.metrics[0]?.[0]).toMatchObject({
          expression: `SELECT SUM(OrderedCapacity) FROM SCHEMA(Scalepilot, service, target) WHERE service = '${service}'`,
        });
      // Every target's decisions summed per reason code: no target named (a SEARCH returns 500 series at most).
      expect(body.widgets[0]?.properties.metrics[0]?.[0]).toMatchObject({
        expression: 'SELECT SUM(Decisions) FROM SCHEMA(Scalepilot, reason, service) GROUP BY reason',
      });
      // The series the stack's DeferredTargets alarms watch, each of them.
      const drawn = body.widgets[1]?.properties.metrics.map((m) => JSON.stringify(m.slice(0, 4)));
      const watched = Object.values(deliveryAlarms('prod'))
        .map(
          (a) =>
            a.Properties as { Namespace?: string; MetricName?: string; Dimensions?: { Value: string }[] },
        )
        .filter((a) => a.MetricName === 'DeferredTargets')
        .map((a) => JSON.stringify([a.Namespace, a.MetricName, 'service', a.Dimensions?.[0]?.Value]));
      expect(watched).toHaveLength(4);
      expect(drawn?.sort()).toEqual(watched.sort());
      const text = JSON.stringify(body);
      expect(text).not.toContain('"g0"');
      expect(text.length).toBeLessThan(4000);
    },
  );
});
