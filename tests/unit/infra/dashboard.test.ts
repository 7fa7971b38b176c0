import { describe, expect, it } from 'vitest';
import { MAX_DASHBOARD_WIDGETS } from '../../../infra/dashboard';
import { dashboardResources } from '../../../infra/stackResources';
import { validatePolicy } from '../../../shared/policy/parsePolicy';

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

type Body = { widgets: { y: number; properties: { title: string } }[] };

function dashboards(targets: number) {
  const policy = validatePolicy({ version: 1, targets: Array.from({ length: targets }, (_, i) => group(i)) });
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
