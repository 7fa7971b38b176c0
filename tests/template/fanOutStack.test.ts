import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { exampleTemplate, slsPackage } from '../harness/slsPackage';
import { cfnLintFindings, checkovFailures } from '../harness/templateChecks';

// Issue 23 (the fleet): the real osls CLI packages the example stack with more groups than one run takes
// (`fleet.targetsPerRun.asg: 2`, five groups: three batches), and a fleet's stack without threshold alarms or
// target dashboards; cfn-lint and checkov read the templates.

const _run = promisify(execFile);
const _ROOT = new URL('../..', import.meta.url).pathname;
type Resource = { Type: string; Properties: Record<string, any> };

/** The example policy with `groups` asg targets (the example's `api` and copies) at `perRun` a run, `fleet` keys. */
function fleetPolicy(
  dir: string,
  groups: number,
  perRun: number,
  fleet: Record<string, unknown> = {},
): string {
  const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
  const api = policy.targets.find((t: { kind: string }) => t.kind === 'asg');
  for (let i = 1; i < groups; i += 1)
    policy.targets.push({
      ...api,
      name: `api-${i}`,
      autoScalingGroupName: `${api.autoScalingGroupName}-${i}`,
    });
  policy.fleet = { targetsPerRun: { asg: perRun }, ...fleet };
  const file = join(dir, 'policy.yml');
  writeFileSync(file, stringify(policy));
  return file;
}

let templateFile: string;
let resources: Record<string, Resource>;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-fanout-'));
  await slsPackage(join(dir, 'out'), '--param', `policy=${fleetPolicy(dir, 5, 2)}`);
  templateFile = join(dir, 'out', 'cloudformation-template-update-stack.json');
  resources = JSON.parse(readFileSync(templateFile, 'utf8')).Resources;
});

describe('the packaged stack of a fleet larger than one run', () => {
  it('gives the asg scaler its own encrypted fan-out queue, consumed by the same function one batch at a time', () => {
    const queues = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual(['DeadLetterQueue', 'ScaleAsgFanOutQueue']);
    expect(resources.ScaleAsgFanOutQueue?.Properties).toMatchObject({
      QueueName: 'scalepilot-prod-scaleAsg-fanout',
      KmsMasterKeyId: 'alias/aws/sqs',
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    expect(resources.ScaleAsgFanOutQueueMapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['ScaleAsgFanOutQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['ScaleAsgLambdaFunction', 'Arn'] },
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    // The function finds the queue by the same name (a stack without fan-out has the variable, unused).
    const url = resources.ScaleAsgLambdaFunction?.Properties.Environment.Variables.FANOUT_QUEUE_URL;
    expect(url['Fn::Sub']).toMatch(/\/scalepilot-prod-scaleAsg-fanout$/);
  });

  it('lets only the asg role use that queue, and nothing else of SQS but the dead-letter queue', () => {
    const statements = (id: string) =>
      resources[id]?.Properties.Policies.flatMap(
        (p: { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }) =>
          p.PolicyDocument.Statement,
      ) as { Action: string[]; Resource: unknown }[];
    const sqs = (id: string) => statements(id).filter((s) => s.Action.some((a) => a.startsWith('sqs:')));
    // SendMessage on the fan-out queue (SqsFanOut) and the dead-letter queue (the Lambda service's), one grant
    // (infra/mergeStatements.ts), then running the scaler on its fan-out queue.
    expect(sqs('ScaleAsgRole')).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [
          { 'Fn::GetAtt': ['ScaleAsgFanOutQueue', 'Arn'] },
          { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] },
        ],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        Resource: { 'Fn::GetAtt': ['ScaleAsgFanOutQueue', 'Arn'] },
      },
    ]);
    for (const role of ['ScaleRdsReplicasRole', 'ScaleCacheShardsRole'])
      expect(JSON.stringify(sqs(role))).not.toContain('FanOutQueue');
  });

  it('passes cfn-lint with no errors and no warnings', async () => {
    expect(await cfnLintFindings(templateFile)).toEqual([]);
  });

  it('passes checkov, with every skip reasoned in infra/checkov.yml', async () => {
    expect(await checkovFailures(templateFile)).toEqual([]);
  });

  it('alarms when a scaler defers targets for 15 minutes on end (the example stack, without fan-out)', async () => {
    const example = JSON.parse(readFileSync(await exampleTemplate(), 'utf8')).Resources as Record<
      string,
      Resource
    >;
    const alarms = Object.values(example)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties);
    for (const service of ['scale-asg', 'scale-rds-replicas', 'scale-cache-shards'])
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'Scalepilot',
          MetricName: 'DeferredTargets',
          Dimensions: [{ Name: 'service', Value: service }],
          EvaluationPeriods: 3,
          DatapointsToAlarm: 3,
          AlarmActions: [{ Ref: 'NotificationTopic' }],
        }),
      );
    expect(Object.values(example).filter((r) => r.Type === 'AWS::SQS::Queue')).toHaveLength(1);
  });

  it('refuses to package a policy that needs more fan-out batches than the scalers run at once, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-fanout-bad-'));
    const result = await slsPackage(join(dir, 'out'), '--param', `policy=${fleetPolicy(dir, 7, 2)}`).catch(
      (e) => e,
    );
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toContain(
      'targets (asg): 7 asg targets need 4 runs of 2 a minute; one stack runs at most 3 at once: split the policy over stages',
    );
  });
});

describe('the packaged stack of a fleet with fleet.thresholdAlarms and fleet.targetDashboards false', () => {
  let file: string;
  let stack: Record<string, Resource>;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-fleet-'));
    const policy = fleetPolicy(dir, 30, 30, { thresholdAlarms: false, targetDashboards: false });
    await slsPackage(join(dir, 'out'), '--param', `policy=${policy}`);
    file = join(dir, 'out', 'cloudformation-template-update-stack.json');
    stack = JSON.parse(readFileSync(file, 'utf8')).Resources;
  });
  const ofType = (type: string) => Object.entries(stack).filter(([, r]) => r.Type === type);

  it('has no threshold alarm and nothing that lets an alarm invoke a scaler; the failure alarms stay', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(
      alarms.filter(([, r]) => JSON.stringify(r.Properties.AlarmActions).includes('LambdaFunction')),
    ).toEqual([]);
    expect(
      ofType('AWS::Lambda::Permission').filter(
        ([, r]) => r.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
      ),
    ).toEqual([]);
    expect(alarms.map(([id]) => id)).toEqual(
      expect.arrayContaining(['ScaleAsgDeferredTargetsAlarm', 'DeadLetterQueueAlarm']),
    );
  });

  it('runs every scaler on its one-minute schedule', () => {
    const schedules = ofType('AWS::Events::Rule')
      .filter(([, r]) => r.Properties.ScheduleExpression === 'rate(1 minute)')
      .map(([, r]) => r.Properties.Targets[0].Arn['Fn::GetAtt'][0]);
    expect(schedules.sort()).toEqual([
      'ScaleAsgLambdaFunction',
      'ScaleCacheShardsLambdaFunction',
      'ScaleRdsReplicasLambdaFunction',
    ]);
  });

  it('has one dashboard of the whole fleet, under the logical ID and name of the per-target one', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards.map(([id, r]) => [id, r.Properties.DashboardName])).toEqual([
      ['Dashboard', 'scalepilot-prod'],
    ]);
    const body = JSON.parse(dashboards[0]?.[1].Properties.DashboardBody['Fn::Sub']);
    expect(body.widgets.map((w: { properties: { title: string } }) => w.properties.title)).toEqual([
      'all targets: decisions per reason',
      'targets deferred to the next run',
      'asg: instances ordered, all targets',
      'rds-replicas: read replicas ordered, all targets',
      'cache-shards: shards ordered, all targets',
    ]);
  });

  it('passes cfn-lint with no errors and no warnings', async () => {
    expect(await cfnLintFindings(file)).toEqual([]);
  });

  it('passes checkov, with every skip reasoned in infra/checkov.yml', async () => {
    expect(await checkovFailures(file)).toEqual([]);
  });
});
