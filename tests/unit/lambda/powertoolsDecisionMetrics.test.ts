import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Decision } from '../../../shared/decision/types';
import { powertoolsDecisionMetrics } from '../../../shared/lambda/powertoolsDecisionMetrics';

const decision: Decision = {
  target: 'api',
  kind: 'asg',
  current: 4,
  desired: 6,
  recommendation: 6,
  direction: 'out',
  reason: 'ScaleOut',
  message: 'cpu 83 > 70: add 2',
  metrics: { cpu: 83 },
};

// The dashboard draws these EMF records; their names and dimensions are its contract.
describe('EMF decision metrics', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('emits decisions by reason, the action, and ordered and serving capacity by target', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = new Metrics({ namespace: 'Scalepilot', serviceName: 'scale-asg' });
    powertoolsDecisionMetrics(metrics).decided(decision, true, {
      current: 4,
      serving: 3,
      liveMin: 2,
      liveMax: 10,
    });
    write.mockRestore();
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('_aws'))
      .map((l) => JSON.parse(l));
    const find = (name: string) => records.find((r) => name in r);
    expect(find('Decisions')).toMatchObject({
      Decisions: 1,
      target: 'api',
      reason: 'ScaleOut',
      service: 'scale-asg',
    });
    expect(find('Actions')).toMatchObject({ Actions: 1, target: 'api', direction: 'out' });
    expect(find('OrderedCapacity')).toMatchObject({ OrderedCapacity: 6, target: 'api' });
    expect(find('ServingCapacity')).toMatchObject({
      ServingCapacity: 3,
      target: 'api',
      service: 'scale-asg',
    });
  });
});
