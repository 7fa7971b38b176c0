import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../shared/errors';
import type { FanOutBatch } from '../../../shared/events/parseScalingEvent';
import { checkBatch } from '../../../shared/lambda/batchRequest';
import type { ScalerRuntime } from '../../../shared/lambda/createScalerHandler';
import { seedStepPolicy } from '../../harness/fixtures';

// A fan-out batch is taken only from the scaler's own queue: the one its FANOUT_QUEUE_URL names
// (serverless.yml: <service>-<stage>-<function>-fanout). Defect (fuzzing audit): only the account and region
// of the queue were checked, so a message on any queue of the account that had an event source mapping to the
// function (another stage's, a test queue) was evaluated as this stage's batch.
const OWN = 'scalepilot-test-scaleAsg-fanout';
const arn = (name: string, service = 'sqs', region = 'us-east-1', account = '123456789012') =>
  `arn:aws:${service}:${region}:${account}:${name}`;
const policy = seedStepPolicy();
const target = policy.targets[0]?.name ?? '';
const runtime = (fanOutQueue?: string) =>
  ({
    kind: 'asg',
    policy,
    account: '123456789012',
    region: 'us-east-1',
    ...(fanOutQueue ? { fanOutQueue } : {}),
  }) as ScalerRuntime;
const batch = (queueArn: string): FanOutBatch => ({
  trigger: 'batch',
  kind: 'asg',
  batch: 0,
  targets: [target],
  at: '2026-11-22T12:00:00.000Z',
  queueArn,
});

describe('checkBatch: the queue a batch came from', () => {
  it('takes a batch from the function’s own fan-out queue', () => {
    expect(() => checkBatch(runtime(OWN), batch(arn(OWN)))).not.toThrow();
  });

  it.each([
    {
      name: 'another stage’s fan-out queue in the same account',
      queue: OWN,
      from: arn('scalepilot-prod-scaleAsg-fanout'),
      says: `fan-out batch from ${arn('scalepilot-prod-scaleAsg-fanout')}: not this function's fan-out queue ${OWN} (FANOUT_QUEUE_URL)`,
    },
    {
      name: 'another scaler’s fan-out queue',
      queue: OWN,
      from: arn('scalepilot-test-scaleRdsReplicas-fanout'),
      says: "not this function's fan-out queue",
    },
    {
      name: 'the stack’s dead-letter queue, mapped to the function by hand',
      queue: OWN,
      from: arn('scalepilot-test-DeadLetterQueue-ABC123'),
      says: "not this function's fan-out queue",
    },
    {
      name: 'an ARN of another service with the queue’s name',
      queue: OWN,
      from: arn(OWN, 'sns'),
      says: "not this function's fan-out queue",
    },
    {
      name: 'any queue, when the function has no FANOUT_QUEUE_URL',
      queue: undefined,
      from: arn(OWN),
      says: `fan-out batch from ${arn(OWN)}: this function has no fan-out queue (FANOUT_QUEUE_URL)`,
    },
    {
      name: 'its own queue’s name in another account (checked first)',
      queue: OWN,
      from: arn(OWN, 'sqs', 'us-east-1', '999999999999'),
      says: 'not a queue of account 123456789012, region us-east-1',
    },
  ])('refuses a batch from $name in one line', ({ queue, from, says }) => {
    expect(() => checkBatch(runtime(queue), batch(from))).toThrow(MalformedEventError);
    expect(() => checkBatch(runtime(queue), batch(from))).toThrow(says);
  });
});
