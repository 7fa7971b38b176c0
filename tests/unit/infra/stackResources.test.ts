import { describe, expect, it } from 'vitest';
import { stackResources } from '../../../infra/stackResources';
import type { PolicyInput } from '../../../shared/policy/schema';
import { seedStepPolicy } from '../../harness/fixtures';

const policy = seedStepPolicy;

describe('stack resources of the cost function', () => {
  it.each([
    { name: 'no cost section: no hourly rule', extra: {}, hourly: false },
    { name: 'daily only', extra: { cost: { dailyLimitUsd: 100 } }, hourly: false },
    {
      name: 'hourly forecast asked for',
      extra: { cost: { dailyLimitUsd: 100, hourlyForecast: true } },
      hourly: true,
    },
  ])('$name', ({ extra, hourly }) => {
    const { Resources } = stackResources(policy(extra as Partial<PolicyInput>), 'prod');
    expect(Boolean(Resources.AlertCostHourlyForecastRule)).toBe(hourly);
    if (hourly) {
      const targets = Resources.AlertCostHourlyForecastRule?.Properties.Targets as
        | { Input: string }[]
        | undefined;
      const target = targets?.[0];
      expect(JSON.parse(target?.Input ?? '')).toEqual({ check: 'forecast' });
      expect(Resources.AlertCostHourlyForecastPermission?.Properties.Principal).toBe('events.amazonaws.com');
    }
  });

  it('lets the cost function read the webhook SecureString the policy names, and no other parameter', () => {
    const without = JSON.stringify(stackResources(policy({}), 'prod').Resources.AlertCostRole);
    expect(without).not.toContain('ssm:GetParameter');
    const withWebhook = JSON.stringify(
      stackResources(policy({ notifications: { webhookParameterName: '/scalepilot/slack' } }), 'prod')
        .Resources.AlertCostRole,
    );
    expect(withWebhook).toContain('ssm:GetParameter');
    expect(withWebhook).toContain(':parameter/scalepilot/slack');
    expect(withWebhook).toContain('kms:ViaService');
  });
});
