import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MotoServer, startMotoServer } from '../../bin/lib/motoServer';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { useEmulator } from '../harness/useEmulator';

// The emulator's GetMetricData, as every scaler reads its metrics through it. moto scans every datapoint of the
// time range once per period of every query, so long replays (npm start, the end-to-end tests) spent most of
// their time there; bin/lib/motoServer.py picks each query's datapoints once and then puts them in their periods.
// These rows hold its answers to moto's own, value for value and in order: the same datapoints put into the
// workaround (the project's emulator) and into moto as it ships, the same queries asked of both.
const emulator = useEmulator();
let shipped: MotoServer;
beforeAll(async () => {
  shipped = await startMotoServer({ asShipped: true });
});
afterAll(async () => {
  await shipped?.stop();
});
beforeEach(async () => {
  await shipped?.reset();
});

const patched = () => new CloudWatchClient(clientOptions(emulator.aws));
const asShipped = () => new CloudWatchClient(clientOptions({ ...emulator.aws, endpoint: shipped.endpoint }));

/** A whole minute three hours back: the datapoints lie on and between minutes after it. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;
const at = (seconds: number) => new Date(BASE + seconds * 1000);
const group = (name: string) => [{ Name: 'AutoScalingGroupName', Value: name }];
const two = [
  { Name: 'AutoScalingGroupName', Value: 'api' },
  { Name: 'Tier', Value: 'web' },
];

/** Datapoints of several metrics, namespaces, dimensions and units, on period boundaries and between them. */
async function putData(client: CloudWatchClient) {
  const series = [
    { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: group('api') },
    { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: group('batch') },
    // The same name and dimensions in another namespace: moto's dimension filter reads no namespace.
    { Namespace: 'Custom/App', MetricName: 'CPUUtilization', Dimensions: group('api') },
    { Namespace: 'Custom/App', MetricName: 'Requests', Dimensions: two },
    { Namespace: 'Custom/App', MetricName: 'Requests' },
  ];
  for (const [s, metric] of series.entries())
    for (let batch = 0; batch < 4; batch += 1)
      await client.send(
        new PutMetricDataCommand({
          Namespace: metric.Namespace,
          MetricData: Array.from({ length: 25 }, (_, i) => {
            const k = batch * 25 + i;
            return {
              MetricName: metric.MetricName,
              ...(metric.Dimensions ? { Dimensions: metric.Dimensions } : {}),
              // Every 37 s, some on a minute, some on a 5-minute boundary; some in Percent, some in Count.
              Timestamp: at(k * 37 + s),
              Value: ((k * 7 + s * 13) % 50) + k / 10,
              Unit: k % 3 === 0 ? 'Count' : 'Percent',
            };
          }),
        }),
      );
}

const stat = (
  Id: string,
  metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] },
  Period: number,
  Stat: string,
  extra: Partial<MetricDataQuery['MetricStat']> & { ReturnData?: boolean } = {},
): MetricDataQuery => {
  const { ReturnData, ...rest } = extra;
  return {
    Id,
    MetricStat: { Metric: metric, Period, Stat, ...rest },
    ...(ReturnData === undefined ? {} : { ReturnData }),
  };
};
const cpu = { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: group('api') };

const rows: {
  name: string;
  input: Omit<GetMetricDataCommandInput, 'MetricDataQueries'>;
  queries: MetricDataQuery[];
}[] = [
  {
    name: 'one metric by its dimensions, a minute a period, from a whole minute',
    input: { StartTime: at(0), EndTime: at(3600) },
    queries: [stat('a', cpu, 60, 'Average')],
  },
  {
    name: 'every statistic, 5 minutes a period, from a time between minutes',
    input: { StartTime: at(17), EndTime: at(3000) },
    queries: ['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount'].map((s, i) =>
      stat(`s${i}`, cpu, 300, s),
    ),
  },
  {
    name: 'dimensions given in another order, and a name in another namespace with the same dimensions',
    input: { StartTime: at(0), EndTime: at(3700) },
    queries: [
      stat(
        'b',
        { Namespace: 'Custom/App', MetricName: 'Requests', Dimensions: [...two].reverse() },
        120,
        'Sum',
      ),
      stat(
        'c',
        { Namespace: 'Custom/App', MetricName: 'CPUUtilization', Dimensions: group('api') },
        60,
        'Maximum',
      ),
    ],
  },
  {
    name: 'no dimensions, with a unit, newest first, one query not returned',
    input: { StartTime: at(100), EndTime: at(3900), ScanBy: 'TimestampDescending' },
    queries: [
      stat('d', { Namespace: 'Custom/App', MetricName: 'Requests' }, 60, 'Average', { Unit: 'Count' }),
      stat('e', { Namespace: 'Custom/App', MetricName: 'Requests' }, 180, 'Sum', { ReturnData: false }),
      stat(
        'f',
        { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: group('batch') },
        60,
        'Sum',
      ),
    ],
  },
  {
    name: 'an end on a datapoint (left out) and a last period that starts at the end',
    input: { StartTime: at(74), EndTime: at(37 * 40 + 0) },
    queries: [stat('g', cpu, 37, 'SampleCount'), stat('h', cpu, 1, 'Maximum')],
  },
  {
    name: 'a metric that has no datapoint, beside one that has',
    input: { StartTime: at(0), EndTime: at(3600) },
    queries: [
      stat('i', { Namespace: 'AWS/EC2', MetricName: 'NetworkIn', Dimensions: group('api') }, 60, 'Sum'),
      stat('j', cpu, 600, 'Average'),
    ],
  },
  {
    name: 'an expression beside its metric',
    input: { StartTime: at(0), EndTime: at(3600) },
    queries: [stat('k', cpu, 60, 'Sum'), { Id: 'l', Expression: 'k * 2' }],
  },
  {
    name: 'a share of a maximum (a rule’s percentOf), one query not returned, newest first',
    input: { StartTime: at(30), EndTime: at(3600), ScanBy: 'TimestampDescending' },
    queries: [
      stat('m', cpu, 120, 'Average'),
      stat('n', { Namespace: 'Custom/App', MetricName: 'Requests', Dimensions: two }, 120, 'Maximum', {
        ReturnData: false,
      }),
      { Id: 'o', Expression: '100 * m / n', Label: 'share' },
    ],
  },
  {
    name: 'a Metrics Insights query beside a metric (moto sums every datapoint of a period)',
    input: { StartTime: at(0), EndTime: at(3600) },
    queries: [
      { Id: 'p', Expression: 'SELECT SUM(Requests) FROM "Custom/App"', Period: 300 },
      stat('q', cpu, 300, 'Sum'),
    ],
  },
];

describe('the emulator: GetMetricData answers as moto does, faster', () => {
  it.each(rows)('$name', async ({ input, queries }) => {
    await putData(patched());
    await putData(asShipped());
    const ask = (client: CloudWatchClient) =>
      client.send(new GetMetricDataCommand({ ...input, MetricDataQueries: queries }));
    const [ours, moto] = await Promise.all([ask(patched()), ask(asShipped())]);
    expect(ours.MetricDataResults).toEqual(moto.MetricDataResults);
    // The rows ask for datapoints that are there: an answer of nothing would hold nothing to moto's.
    expect(moto.MetricDataResults?.some((r) => (r.Values?.length ?? 0) > 0)).toBe(true);
  });

  it('refuses a start after the end, and a start equal to the end, as moto does', async () => {
    for (const [StartTime, EndTime] of [
      [at(600), at(0)],
      [at(600), at(600)],
    ]) {
      const ask = (client: CloudWatchClient) =>
        client
          .send(
            new GetMetricDataCommand({ StartTime, EndTime, MetricDataQueries: [stat('a', cpu, 60, 'Sum')] }),
          )
          .then(
            () => 'answered',
            (error: Error) => `${error.name}: ${error.message}`,
          );
      const [ours, moto] = await Promise.all([ask(patched()), ask(asShipped())]);
      expect(ours).toBe(moto);
      expect(ours).not.toBe('answered');
    }
  });
});
