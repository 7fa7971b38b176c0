import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { dashboardBodies, METRICS_NAMESPACE } from '../../infra/dashboard';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { CloudWatchForecastMetrics } from '../../shared/adapters/CloudWatchForecastMetrics';
import type { ForecastDatum } from '../../shared/ports';
import { examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// Review finding: the forecast was put in `Scalepilot`, the namespace whose counts the stack's failure and deferral
// alarms watch (EMF from the functions' logs), so predict's role could put points into them. The forecast now has
// its own namespace; here the adapter puts into moto, and the dashboard's forecast series reads it back there.
const emulator = useEmulator();
const MIN = 60_000;

describe('CloudWatchForecastMetrics against the emulator', () => {
  it('puts the forecast in Scalepilot/Forecast, none in Scalepilot, where the dashboard’s forecast series reads it', async () => {
    const policy = examplePolicy();
    const target = policy.targets.find((t) => 'predictive' in t && t.predictive === true);
    if (!target) throw new Error('the example policy has a predictive target');
    const start = Math.floor(Date.now() / MIN) * MIN;
    const data: ForecastDatum[] = [
      ...[3, 4, 6].map((value, i) => ({
        name: 'ForecastCapacity' as const,
        target: target.name,
        time: new Date(start + i * 5 * MIN),
        value,
      })),
      { name: 'ForecastLoad', target: target.name, rule: 'cpu', time: new Date(start), value: 140 },
      { name: 'ForecastMase', target: target.name, time: new Date(start), value: 0.8 },
    ];
    await new CloudWatchForecastMetrics(emulator.aws).publish(data);

    const cloudWatch = new CloudWatchClient(clientOptions(emulator.aws));
    // The metrics' names, each once (moto lists a metric once per datapoint).
    const names = async (namespace: string) => [
      ...new Set(
        ((await cloudWatch.send(new ListMetricsCommand({ Namespace: namespace }))).Metrics ?? [])
          .map((m) => m.MetricName)
          .sort(),
      ),
    ];
    expect(await names('Scalepilot/Forecast')).toEqual(['ForecastCapacity', 'ForecastLoad', 'ForecastMase']);
    expect(await names(METRICS_NAMESPACE)).toEqual([]);

    // The target's capacity widget, as deployed: its forecast series, read as the console reads it.
    const widget = dashboardBodies(policy)[0]?.widgets.find(
      (w) => w.properties.title === `${target.name}: capacity (instances)`,
    );
    const series = ((widget?.properties.metrics ?? []) as unknown[][]).find(
      (m) => m[1] === 'ForecastCapacity',
    );
    expect(series?.slice(0, 6)).toEqual([
      'Scalepilot/Forecast',
      'ForecastCapacity',
      'service',
      'predict',
      'target',
      target.name,
    ]);
    const [namespace, metricName, ...rest] = series as [string, string, ...unknown[]];
    const dims = rest.filter((d): d is string => typeof d === 'string');
    const read = await cloudWatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'forecast',
            MetricStat: {
              Metric: {
                Namespace: namespace,
                MetricName: metricName,
                Dimensions: [0, 2].map((i) => ({ Name: dims[i], Value: dims[i + 1] })),
              },
              Period: 300,
              Stat: 'Maximum',
            },
          },
        ],
        StartTime: new Date(start - 5 * MIN),
        EndTime: new Date(start + 20 * MIN),
      }),
    );
    expect([...(read.MetricDataResults?.[0]?.Values ?? [])].sort()).toEqual([3, 4, 6]);
  });
});
