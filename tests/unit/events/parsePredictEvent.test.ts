import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../shared/errors';
import { parsePredictEvent } from '../../../shared/events/parsePredictEvent';

// The predict function's inputs, as docs/predictive.md gives them: `{}` (every predictive target), `{"targets":
// [...]}`, or the hourly schedule. An invocation with no payload reaches a Node.js handler as `{}` (Lambda's, and
// `sls invoke` without `-d`), so nothing documented sends `null`.
describe('parsePredictEvent', () => {
  it.each([
    { name: '{}: every predictive target', event: {}, want: {} },
    { name: 'named targets', event: { targets: ['api'] }, want: { targets: ['api'] } },
    {
      name: 'the hourly schedule',
      event: { source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2026-11-22T10:00:00Z' },
      want: {},
    },
  ])('takes $name', ({ event, want }) => {
    expect(parsePredictEvent(event)).toEqual(want);
  });

  // Defect (fuzzing audit): `null` (and `undefined`) were read as `{}`, a full run over every target.
  it.each([
    { name: 'null', event: null, says: 'expected object, received null' },
    { name: 'undefined', event: undefined, says: 'expected object, received undefined' },
    { name: 'a list', event: [], says: 'expected object, received array' },
    { name: 'a string', event: 'api', says: 'expected object, received string' },
    { name: 'a number', event: 0, says: 'expected object, received number' },
  ])('refuses $name in one line, naming what it got', ({ event, says }) => {
    expect(() => parsePredictEvent(event)).toThrow(MalformedEventError);
    expect(() => parsePredictEvent(event)).toThrow(
      `predict event is neither {} / {"targets": ["name", ...]} nor an EventBridge scheduled event: (event): Invalid input: ${says}`,
    );
  });

  // Each name was forecast as often as it was named: its floors and scheduled actions written twice.
  it('refuses a target named twice, naming it', () => {
    expect(() => parsePredictEvent({ targets: ['api', 'web', 'api'] })).toThrow(MalformedEventError);
    expect(() => parsePredictEvent({ targets: ['api', 'web', 'api'] })).toThrow(
      'predict event is neither {} / {"targets": ["name", ...]} nor an EventBridge scheduled event: targets: "api" is named twice',
    );
  });
});
