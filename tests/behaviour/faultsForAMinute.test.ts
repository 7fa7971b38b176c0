import { describe, expect, it } from 'vitest';
import type { EmulatorAnswer } from '../../bin/lib/emulator';
import { BehaviourCounts } from '../harness/awsBehaviour/behaviourCounts';
import { HtmlFaults } from '../harness/awsBehaviour/htmlFaults';
import { type LayerContext, MINUTE } from '../harness/awsBehaviour/layerContext';
import { parseCall } from '../harness/awsBehaviour/protocol';
import { KeyedRandom } from '../harness/awsBehaviour/random';
import { Throttling } from '../harness/awsBehaviour/throttling';

// The soak's storms and HTML faults used to hit "the next N calls": a run evaluates targets side by side, so
// which target met them depended on which call reached the layer first, and a seed played differently under
// load. Now each call of the minute meets them on its first N attempts, whatever the order.

let now = 10 * MINUTE;
function context(): LayerContext {
  return {
    clock: { now: () => new Date(now) } as LayerContext['clock'],
    random: new KeyedRandom(21, () => now),
    counts: new BehaviourCounts(),
    mutations: [],
    notices: [],
    now: () => now,
  };
}

const call = (action: string, who: string, attempt: number) => {
  const parsed = parseCall({
    action,
    service: 'rds',
    method: 'POST',
    url: '/',
    headers: { 'amz-sdk-request': `attempt=${attempt}; max=3` },
    body: Buffer.from(`Action=${action}&DBInstanceIdentifier=${who}`),
  });
  if (!parsed) throw new Error('not a call');
  return parsed;
};

const passed: EmulatorAnswer = { status: 200, headers: {}, body: Buffer.from('ok') };
const outcome = async (
  layer: Throttling | HtmlFaults,
  action: string,
  who: string,
  attempt: number,
): Promise<string> => {
  const answer = await layer.handle(call(action, who, attempt), async () => passed);
  return answer === passed ? 'passed' : `refused ${answer.status}`;
};

describe.each([
  { name: 'a throttling storm', make: (c: LayerContext) => new Throttling(c, {}), arm: 'storm' as const },
  { name: 'HTML faults', make: (c: LayerContext) => new HtmlFaults(c), arm: 'html' as const },
])('$name for a minute', ({ make, arm }) => {
  const armed = (layer: Throttling | HtmlFaults, attempts: number) =>
    arm === 'storm'
      ? (layer as Throttling).storm('rds', attempts)
      : (layer as HtmlFaults).injectForAMinute('DescribeDBInstances', attempts, 502);

  it.each([
    { order: 'replica first', calls: ['db-1', 'reader-1'] },
    { order: 'reader first', calls: ['reader-1', 'db-1'] },
  ])('each call of the minute meets it on its first attempts, in any order ($order)', async ({ calls }) => {
    now = 10 * MINUTE;
    const layer = make(context());
    armed(layer, 2);
    now += 5 * MINUTE; // armed between two runs: the minute is the next call's
    const seen: Record<string, string[]> = Object.fromEntries(calls.map((who) => [who, []]));
    for (const attempt of [1, 2, 3])
      for (const who of calls) seen[who]?.push(await outcome(layer, 'DescribeDBInstances', who, attempt));
    const refused = arm === 'storm' ? 'refused 400' : 'refused 502';
    expect(seen).toEqual({ 'db-1': [refused, refused, 'passed'], 'reader-1': [refused, refused, 'passed'] });
    now += MINUTE;
    expect(await outcome(layer, 'DescribeDBInstances', 'db-1', 1)).toBe('passed');
  });
});

describe('throttling storms', () => {
  it('a storm armed again after an earlier one’s minute has passed is a storm of its own (the old one is over)', async () => {
    now = 10 * MINUTE;
    const layer = new Throttling(context(), {});
    layer.storm('rds', 1);
    expect(await outcome(layer, 'DescribeDBInstances', 'db-1', 1)).toBe('refused 400');
    now += 5 * MINUTE; // no call met the storm since its minute: it lingers, over
    layer.storm('rds', 2);
    now += 5 * MINUTE;
    expect(await outcome(layer, 'DescribeDBInstances', 'db-1', 2)).toBe('refused 400');
    expect(await outcome(layer, 'DescribeDBInstances', 'db-1', 3)).toBe('passed');
  });
});
