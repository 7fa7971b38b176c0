import fc from 'fast-check';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { alarmActionEvent, seedStepPolicy } from '../harness/fixtures';

// The fuzzed events of the bad-input suite (badInput.test.ts) and its oracle: whether an event is, by the
// scalers' documented contract, a trigger to evaluate now. Written from the contract, not from the parser.

export const NOW = new Date('2026-11-22T12:00:00Z');
export const ACCOUNT = '123456789012';

const alarm = alarmDefinitions(seedStepPolicy(), 'test')[0]?.alarmName ?? '';
const alarms = new Set(alarmDefinitions(seedStepPolicy(), 'test').map((a) => a.alarmName));
export const valid = () => alarmActionEvent(alarm, 'ALARM', NOW);

/**
 * Whether an event is, by the scalers' documented contract, a trigger to evaluate now (the test's oracle,
 * written from the contract, not from the parser): a direct alarm action or a one-record SNS notification of
 * one of the policy's alarms, of this account and region, in one of CloudWatch's states (ALARM, OK,
 * INSUFFICIENT_DATA), whose state changed at a readable time at most 300 s ago and at most 300 s ahead (the
 * clock skew tolerated); or the schedule's event, of a time at most 300 s ahead. Only such an event may change
 * anything.
 */
export function triggersByContract(event: unknown): boolean {
  const text = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
  const state = (v: unknown) => v === 'ALARM' || v === 'OK' || v === 'INSUFFICIENT_DATA';
  const notAhead = (t: string) => Date.parse(t) - NOW.getTime() <= 300_000;
  // CloudWatch stamps a state change in ISO 8601, its offset with or without a colon.
  const fresh = (t: unknown) =>
    text(t) &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(t) &&
    !Number.isNaN(Date.parse(t)) &&
    NOW.getTime() - Date.parse(t) <= 300_000 &&
    notAhead(t);
  const own = (arn: unknown) =>
    text(arn) && new RegExp(`^arn:[a-z-]+:cloudwatch:us-east-1:${ACCOUNT}:alarm:.+$`).test(arn);
  const e = event as Record<string, any> | null;
  if (typeof e !== 'object' || e === null) return false;
  if (e.source === 'aws.cloudwatch') {
    const d = e.alarmData;
    return (
      text(e.alarmArn) &&
      e.alarmArn.startsWith('arn:') &&
      own(e.alarmArn) &&
      // The ARN is the named alarm's.
      e.alarmArn.endsWith(`:alarm:${String(d?.alarmName)}`) &&
      (e.accountId === undefined || e.accountId === ACCOUNT) &&
      (e.region === undefined || e.region === 'us-east-1') &&
      typeof d === 'object' &&
      d !== null &&
      alarms.has(d.alarmName) &&
      state(d.state?.value) &&
      fresh(d.state?.timestamp) &&
      (d.previousState === undefined || (text(d.previousState?.value) && text(d.previousState?.timestamp)))
    );
  }
  // EventBridge's time is an ISO 8601 UTC time, to the second.
  if (e.source === 'aws.events')
    return (
      e['detail-type'] === 'Scheduled Event' &&
      text(e.time) &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(e.time) &&
      !Number.isNaN(Date.parse(e.time)) &&
      notAhead(e.time) &&
      (e.account === undefined || e.account === ACCOUNT) &&
      (e.region === undefined || e.region === 'us-east-1')
    );
  const records = e.Records;
  if (!Array.isArray(records) || records.length !== 1) return false;
  const [record] = records;
  if (record?.EventSource !== 'aws:sns' || typeof record?.Sns?.Message !== 'string') return false;
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(record.Sns.Message);
  } catch {
    return false;
  }
  if (typeof m !== 'object' || m === null) return false;
  const arn =
    m.AlarmArn ?? `arn:aws:cloudwatch:us-east-1:${String(m.AWSAccountId)}:alarm:${String(m.AlarmName)}`;
  return (
    text(m.AlarmName) &&
    alarms.has(m.AlarmName) &&
    m.AWSAccountId === ACCOUNT &&
    (m.AlarmArn === undefined ||
      (text(m.AlarmArn) && m.AlarmArn.startsWith('arn:') && m.AlarmArn.endsWith(`:alarm:${m.AlarmName}`))) &&
    own(arn) &&
    (m.Region === undefined || typeof m.Region === 'string') &&
    state(m.NewStateValue) &&
    fresh(m.StateChangeTime)
  );
}
export const snsOf = (message: unknown) => ({
  Records: [
    {
      EventSource: 'aws:sns',
      Sns: { Message: typeof message === 'string' ? message : JSON.stringify(message) },
    },
  ],
});
const deep = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = { nested: value };
  return value;
};

/** Places a value at a path of an object (a copy), creating what is missing. */
export function withAt(base: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(base)) {
    const copy = [...base];
    copy[Number(head)] = withAt(copy[Number(head)], rest, value);
    return copy;
  }
  const object = typeof base === 'object' && base !== null ? { ...(base as Record<string, unknown>) } : {};
  object[head] = withAt(object[head], rest, value);
  return object;
}

export const weird = fc.oneof(
  fc.anything({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    null,
    undefined,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    '',
    '*',
    `$${'{'}AWS::AccountId}`,
    true,
    [],
    {},
  ),
  fc.integer({ min: 50, max: 400 }).map((depth) => deep(depth, 'x')),
  fc.integer({ min: 2, max: 400 }).map((n) => Array(n).fill('x')),
);
const eventPaths = [
  ['source'],
  ['alarmArn'],
  ['accountId'],
  ['region'],
  ['alarmData'],
  ['alarmData', 'alarmName'],
  ['alarmData', 'state'],
  ['alarmData', 'state', 'value'],
  ['alarmData', 'state', 'timestamp'],
  ['time'],
] as const;

/** What an event is, for the figures. */
export type Family =
  | 'anything'
  | 'alarm field'
  | 'other account or region'
  | 'unknown source'
  | 'SNS'
  | 'huge Records'
  | 'deep nesting'
  | 'unknown alarm'
  | 'schedule';

export const eventArb: fc.Arbitrary<{ family: Family; event: unknown }> = fc.oneof(
  fc
    .anything({
      maxDepth: 6,
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
    })
    .map((event) => ({ family: 'anything' as const, event })),
  fc
    .tuple(fc.constantFrom(...eventPaths), weird)
    .map(([path, value]) => ({ family: 'alarm field' as const, event: withAt(valid(), path, value) })),
  fc
    .tuple(fc.stringMatching(/^\d{12}$/), fc.constantFrom('us-east-1', 'eu-west-1', 'ap-south-1'))
    .filter(([account, region]) => account !== ACCOUNT || region !== 'us-east-1')
    .map(([account, region]) => ({
      family: 'other account or region' as const,
      event: {
        ...valid(),
        accountId: account,
        region,
        alarmArn: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarm}`,
      },
    })),
  fc
    .string({ unit: 'grapheme', maxLength: 30 })
    .map((source) => ({ family: 'unknown source' as const, event: { ...valid(), source } })),
  fc
    .oneof(
      weird,
      fc.string({ unit: 'grapheme' }),
      fc.record(
        {
          AlarmName: weird,
          AWSAccountId: weird,
          NewStateValue: weird,
          StateChangeTime: weird,
          AlarmArn: weird,
        },
        { requiredKeys: [] },
      ),
    )
    .map((message) => ({ family: 'SNS' as const, event: snsOf(message) })),
  fc.integer({ min: 2, max: 20_000 }).map((n) => ({
    family: 'huge Records' as const,
    event: { Records: Array(n).fill(snsOf('{}').Records[0]) },
  })),
  fc.integer({ min: 100, max: 20_000 }).map((depth) => ({
    family: 'deep nesting' as const,
    event: snsOf(`${'['.repeat(depth)}${']'.repeat(depth)}`),
  })),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 80 })
    .map((name) => ({ family: 'unknown alarm' as const, event: alarmActionEvent(`${name}`, 'ALARM', NOW) })),
  fc
    .record({
      source: fc.constantFrom('aws.events', 'aws.events '),
      'detail-type': fc.constantFrom('Scheduled Event', 'Scheduled', 7),
      time: weird,
      // EventBridge names the rule's account and region; one sent by hand may name another's.
      account: fc.constantFrom(undefined, ACCOUNT, '210987654321', ''),
      region: fc.constantFrom(undefined, 'us-east-1', 'eu-west-1'),
    })
    .map((event) => ({ family: 'schedule' as const, event })),
);
