import { describe, expect, it } from 'vitest';
import { FutureEventError, MalformedEventError } from '../../../shared/errors';
import type { ScalingEvent } from '../../../shared/events/parseScalingEvent';
import { MAX_CLOCK_SKEW_SECONDS, refuseFutureEvent, staleness } from '../../../shared/lambda/eventAge';

// Defect (fuzzing audit): an event stamped far ahead of the function's clock had a negative age, which
// counted as fresh: an alarm "from tomorrow" was acted on today. A few minutes of skew are tolerated.
const NOW = new Date('2026-11-22T12:00:00.000Z');
const ahead = (seconds: number) => new Date(NOW.getTime() + seconds * 1000).toISOString();
const alarm = (at: string): ScalingEvent => ({
  trigger: 'alarm',
  alarmName: 'scalepilot-test.api.cpu.gt70',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:scalepilot-test.api.cpu.gt70',
  account: '123456789012',
  region: 'us-east-1',
  state: 'ALARM',
  stateTimestamp: at,
});
const batch = (at: string): ScalingEvent => ({
  trigger: 'batch',
  kind: 'asg',
  batch: 2,
  targets: ['api'],
  at,
  queueArn: 'arn:aws:sqs:us-east-1:123456789012:scalepilot-test-scaleAsg-fanout',
});
const tick = (time: string): ScalingEvent => ({ trigger: 'schedule', time });

describe('refuseFutureEvent', () => {
  it.each([
    { name: 'an alarm of now', event: alarm(ahead(0)) },
    { name: 'an alarm of an hour ago (its age is staleness’s to judge)', event: alarm(ahead(-3600)) },
    { name: 'an alarm as far ahead as the skew tolerated', event: alarm(ahead(MAX_CLOCK_SKEW_SECONDS)) },
    { name: 'a batch a minute ahead', event: batch(ahead(60)) },
    { name: 'a tick a second ahead', event: tick(ahead(1)) },
    { name: 'a CloudWatch-style timestamp (+0000) of now', event: alarm('2026-11-22T12:00:00.000+0000') },
    { name: 'a time that is no time (the parser or staleness says so)', event: alarm('soon') },
  ])('takes $name', ({ event }) => {
    expect(() => refuseFutureEvent(event, NOW)).not.toThrow();
  });

  it.each([
    {
      name: 'an alarm a second past the skew tolerated',
      event: alarm(ahead(MAX_CLOCK_SKEW_SECONDS + 1)),
      says: `alarm "scalepilot-test.api.cpu.gt70": its state timestamp ${ahead(301)} is 301 s ahead of this function's clock (${NOW.toISOString()}), more than the 300 s of clock skew tolerated`,
    },
    {
      name: 'an alarm a day ahead, stamped as CloudWatch stamps',
      event: alarm('2026-11-23T12:00:00.000+0000'),
      says: `its state timestamp 2026-11-23T12:00:00.000+0000 is 86400 s ahead of this function's clock (${NOW.toISOString()})`,
    },
    {
      name: 'a fan-out batch whose tick is an hour ahead',
      event: batch(ahead(3600)),
      says: `fan-out batch 2: its tick (at) ${ahead(3600)} is 3600 s ahead of this function's clock (${NOW.toISOString()})`,
    },
    {
      name: 'a scheduled event a year ahead',
      event: tick('2027-11-22T12:00:00Z'),
      says: `scheduled event: its time 2027-11-22T12:00:00Z is 31536000 s ahead of this function's clock (${NOW.toISOString()})`,
    },
  ])('refuses $name, naming its time and the clock’s', ({ event, says }) => {
    expect(() => refuseFutureEvent(event, NOW)).toThrow(FutureEventError);
    expect(() => refuseFutureEvent(event, NOW)).toThrow(MalformedEventError);
    expect(() => refuseFutureEvent(event, NOW)).toThrow(says);
  });
});

describe('staleness', () => {
  // Found by the fuzz of malformed events: a 300 kB timestamp that is no time was quoted whole in the
  // StaleEvent skip, whose decision record DynamoDB then refused (items are at most 400 KB).
  it.each([
    { name: 'a short one', timestamp: 'soon', says: 'its state timestamp "soon" is not a time' },
    {
      name: 'a 300 kB one, cut',
      timestamp: 'x'.repeat(300_000),
      says: `its state timestamp "${'x'.repeat(256)}… (300000 characters)" is not a time`,
    },
  ])('says a timestamp that is no time cannot be aged: $name', ({ timestamp, says }) => {
    const why = staleness(timestamp, NOW, 300, 'an alarm event');
    expect(why).toContain(says);
    expect(why?.length).toBeLessThan(400);
  });
});
