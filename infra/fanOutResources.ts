import { PolicyValidationError } from '../shared/errors';
import { MAX_FAN_OUT_BATCHES, runPlan } from '../shared/policy/runPlan';
import type { Policy, TargetKind } from '../shared/policy/schema';
import { functionByKind } from '../shared/policy/targetResource';
import type { Resources } from './cfnResources';
import type { Statement } from './functionPermissions';

const pascal = (s: string) => s[0]?.toUpperCase() + s.slice(1);

/** The fan-out queue's name: serverless.yml builds the scalers' FANOUT_QUEUE_URL from the same parts. */
export const fanOutQueueName = (service: string, stage: string, kind: TargetKind) =>
  `${service}-${stage}-${functionByKind[kind]}-fanout`;

/** What the Lambda service does with a scaler's role to run it on its fan-out queue (the event source). */
export const FAN_OUT_SERVICE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/**
 * Receives of a fan-out message before SQS moves it to the dead-letter queue. A receive is not a run: when
 * the scaler is throttled (its reserved concurrency is shared with the schedule and every alarm) the
 * message comes back after the visibility timeout with the receive counted, so a count of 1 dead-lettered
 * batches that never ran. AWS's advice for a Lambda event source: at least 5. Five receives a visibility
 * timeout apart (30 minutes) stay inside the queue's one-hour retention: a poison batch still reaches the
 * dead-letter queue.
 */
export const FAN_OUT_MAX_RECEIVES = 5;

/** The CloudFormation logical ID of a kind's fan-out queue. */
export const fanOutQueueId = (kind: TargetKind) => `${pascal(functionByKind[kind])}FanOutQueue`;

/**
 * For each kind whose targets are more than one run takes (`runPlan`): the scaler's own SQS queue (its
 * scheduled run puts one message per batch), the event source mapping that runs the same function on each
 * message (one message an invocation, as many at once as there are batches), and the queue statements of
 * the scaler's role. A batch goes to the dead-letter queue after `FAN_OUT_MAX_RECEIVES` receives (one that
 * runs late is recorded `StaleEvent`: the next tick has handed its targets out anew meanwhile). Refuses a
 * policy that would need more batches than the scalers' reserved concurrency runs at once, with one line
 * naming the kind.
 */
export function fanOutResources(
  policy: Policy,
  stage: string,
  service: string,
): { resources: Resources; statements: Partial<Record<TargetKind, Statement[]>> } {
  const resources: Resources = {};
  const statements: Partial<Record<TargetKind, Statement[]>> = {};
  for (const kind of Object.keys(functionByKind) as TargetKind[]) {
    const plan = runPlan(policy, kind);
    if (plan.batches <= 1) continue;
    if (plan.batches > MAX_FAN_OUT_BATCHES)
      throw new PolicyValidationError(`stage ${stage}`, [
        {
          path: `targets (${kind})`,
          message: `${plan.targets} ${kind} targets need ${plan.batches} runs of ${plan.perRun} a minute; one stack runs at most ${MAX_FAN_OUT_BATCHES} at once: split the policy over stages`,
        },
      ]);
    const queue = fanOutQueueId(kind);
    resources[queue] = {
      Type: 'AWS::SQS::Queue',
      Properties: {
        QueueName: fanOutQueueName(service, stage, kind),
        // AWS's advice for a Lambda event source: six times the function's timeout.
        VisibilityTimeout: 360,
        MessageRetentionPeriod: 3600,
        KmsMasterKeyId: 'alias/aws/sqs',
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
          maxReceiveCount: FAN_OUT_MAX_RECEIVES,
        },
      },
    };
    resources[`${queue}Mapping`] = {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
        FunctionName: { 'Fn::GetAtt': [`${pascal(functionByKind[kind])}LambdaFunction`, 'Arn'] },
        BatchSize: 1,
        Enabled: true,
        ScalingConfig: { MaximumConcurrency: Math.max(2, plan.batches) },
      },
    };
    // What the Lambda service does with the scaler's role to run it on the queue (the event source); the
    // scaler's own SendMessage comes with the SqsFanOut adapter's grant (infra/functionAdapters.ts).
    statements[kind] = [
      {
        Effect: 'Allow',
        Action: FAN_OUT_SERVICE_ACTIONS,
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
      },
    ];
  }
  return { resources, statements };
}
