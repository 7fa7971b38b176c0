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

  const emitted = (emit: (m: ReturnType<typeof powertoolsDecisionMetrics>) => void) => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    emit(powertoolsDecisionMetrics(new Metrics({ namespace: 'Scalepilot', serviceName: 'scale-asg' })));
    write.mockRestore();
    return lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('_aws'))
      .map((l) => JSON.parse(l));
  };

  it('emits no OrderedCapacity for a decision that read no resource (deferred, backed off): unknown is not 0', () => {
    const records = emitted((m) =>
      m.decided({ ...decision, current: 0, desired: 0, reason: 'Deferred' }, false),
    );
    expect(records.some((r) => 'OrderedCapacity' in r)).toBe(false);
    expect(records.find((r) => 'Decisions' in r)).toMatchObject({ reason: 'Deferred' });
  });

  it('emits each run’s decisions by reason alone, counted since the run before (the fleet dashboard’s exact sum)', () => {
    const summary = {
      kind: 'asg' as const,
      trigger: 'schedule' as const,
      targets: 3,
      evaluated: 3,
      acted: 1,
      deferred: 0,
      fannedOut: 0,
      wallMs: 10,
    };
    const records = emitted((m) => {
      m.decided(decision, true);
      m.decided({ ...decision, target: 'web' }, true);
      m.decided({ ...decision, target: 'db', reason: 'WithinTolerance' }, false);
      m.ran?.(summary);
      m.ran?.(summary);
    });
    const byReason = records.filter((r) => 'Decisions' in r && !('target' in r));
    expect(byReason.map((r) => [r.reason, r.Decisions])).toEqual([
      ['ScaleOut', 2],
      ['WithinTolerance', 1],
    ]);
    expect(byReason[0]?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'reason']]);
  });

  it('emits each run’s deferred targets (by service: the DeferredTargets alarm’s series), and its API calls by service', () => {
    const records = emitted((m) =>
      m.ran?.({
        kind: 'asg',
        trigger: 'schedule',
        targets: 250,
        evaluated: 100,
        acted: 3,
        deferred: 150,
        fannedOut: 0,
        wallMs: 45_000,
        api: { calls: { autoscaling: 7, dynamodb: 12 }, waitedMs: 1200, ratePerSecond: { autoscaling: 10 } },
      }),
    );
    const find = (name: string) => records.find((r) => name in r);
    expect(find('DeferredTargets')).toMatchObject({ DeferredTargets: 150, service: 'scale-asg' });
    expect(find('DeferredTargets')?._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service']]);
    expect(find('TargetsEvaluated')).toMatchObject({ TargetsEvaluated: 100 });
    expect(find('ApiBudgetWaitMs')).toMatchObject({ ApiBudgetWaitMs: 1200 });
    expect(records.filter((r) => 'ApiCalls' in r).map((r) => [r.apiService, r.ApiCalls])).toEqual([
      ['autoscaling', 7],
      ['dynamodb', 12],
    ]);
  });
});
