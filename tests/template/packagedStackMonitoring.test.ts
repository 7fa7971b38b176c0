import { beforeAll, describe, expect, it } from 'vitest';
import { alarmDefinitions } from '../../shared/policy/alarmDefinitions';
import { examplePolicy } from '../harness/fixtures';
import { loadPackagedStack, ofType, resources } from './packagedStackFixtures';

// The packaged stack's alarms (the policy's thresholds, a scaler's failures, dead letters) and its dashboard.

beforeAll(loadPackagedStack);

describe('the packaged stack', () => {
  it('has one alarm per policy threshold, each invoking the function of its kind', () => {
    const expected = alarmDefinitions(examplePolicy(), 'prod');
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, r]) =>
      JSON.stringify(r.Properties.AlarmActions).includes('LambdaFunction'),
    );
    expect(alarms).toHaveLength(expected.length);
    const functionIds = {
      scaleAsg: 'ScaleAsgLambdaFunction',
      scaleRdsReplicas: 'ScaleRdsReplicasLambdaFunction',
      scaleCacheShards: 'ScaleCacheShardsLambdaFunction',
    };
    for (const definition of expected) {
      const [, alarm] = alarms.find(([, r]) => r.Properties.AlarmName === definition.alarmName) ?? [];
      expect(alarm, definition.alarmName).toBeDefined();
      const fnArn = {
        'Fn::GetAtt': [functionIds[definition.functionName as keyof typeof functionIds], 'Arn'],
      };
      expect(alarm?.Properties.AlarmActions).toEqual([fnArn]);
      expect(alarm?.Properties.Threshold).toBe(definition.threshold);
      expect(alarm?.DependsOn).toEqual([`${fnArn['Fn::GetAtt'][0]}AlarmsPermission`]);
    }
    // One permission per scaler for the stage's alarms (a permission per alarm passed Lambda's 20 KB resource
    // policy at about 50 alarms): restricted to this account and this stage's alarm names.
    const alarmPermissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'lambda.alarms.cloudwatch.amazonaws.com',
    );
    const scalers = [
      ...new Set(expected.map((d) => functionIds[d.functionName as keyof typeof functionIds])),
    ];
    expect(alarmPermissions.map(([id]) => id).sort()).toEqual(
      scalers.map((f) => `${f}AlarmsPermission`).sort(),
    );
    for (const [id, permission] of alarmPermissions)
      expect(permission.Properties, id).toEqual({
        FunctionName: { 'Fn::GetAtt': [id.replace(/AlarmsPermission$/, ''), 'Arn'] },
        Action: 'lambda:InvokeFunction',
        Principal: 'lambda.alarms.cloudwatch.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:scalepilot-prod.*`,
        },
      });
  });

  it('has a dashboard with a row per target: metrics with the thresholds, capacity, decisions per reason', () => {
    const [[, dashboard] = []] = ofType('AWS::CloudWatch::Dashboard');
    const body = JSON.parse(
      dashboard?.Properties.DashboardBody['Fn::Sub'].replaceAll(`\${AWS::Region}`, 'us-east-1'),
    );
    const titles = body.widgets.map((w: { properties: { title: string } }) => w.properties.title);
    expect(titles).toEqual([
      'api: scaling metrics',
      'api: capacity (instances)',
      'api: decisions per reason',
      'events-db: scaling metrics',
      'events-db: capacity (read replicas)',
      'events-db: decisions per reason',
      'sessions-cache: scaling metrics',
      'sessions-cache: capacity (shards)',
      'sessions-cache: decisions per reason',
    ]);
    const api = body.widgets[0].properties;
    expect(api.annotations.horizontal.map((a: { value: number }) => a.value)).toEqual([70, 30, 80, 40]);
    expect(api.metrics[0]).toEqual([
      'AWS/EC2',
      'CPUUtilization',
      'AutoScalingGroupName',
      'event-platform-api',
      { stat: 'Average', period: 60, label: 'cpu' },
    ]);
    // Connections are drawn as the percentage of the pool their alarms compare.
    expect(body.widgets[3].properties.metrics[0][0].expression).toBe('100 * raw0 / 100');
    // The forecast line only where predictive scaling is on (api).
    const labels = (w: { properties: { metrics: unknown[][] } }) =>
      w.properties.metrics.map((m) => (m.at(-1) as { label: string }).label);
    expect(labels(body.widgets[1])).toEqual(['ordered', 'serving', 'forecast']);
    expect(labels(body.widgets[4])).toEqual(['ordered', 'serving']);
    expect(body.widgets[2].properties.metrics[0][0].expression).toContain(
      'MetricName="Decisions" target="api"',
    );
    // ElastiCache publishes memory and engine CPU per node only: drawn for every node of the group, with
    // the thresholds of the rules (these rules have no alarms: no series per group exists to alarm on).
    const cache = body.widgets[6].properties;
    expect(cache.metrics[0][0].expression).toBe(
      `SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName="EngineCPUUtilization" CacheClusterId="event-platform-redis"', 'Average', 60)`,
    );
    expect(cache.annotations.horizontal.map((a: { value: number }) => a.value)).toEqual([70, 30, 80, 40]);
  });

  it('alarms on the topic when a scaler fails a target and when a run is dead-lettered (defect: failures unseen)', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    for (const service of ['scale-asg', 'scale-rds-replicas', 'scale-cache-shards'])
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'Scalepilot',
          MetricName: 'TargetFailures',
          Dimensions: [{ Name: 'service', Value: service }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [{ Ref: 'NotificationTopic' }],
        }),
      );
    // Dead letters arriving, not there: the queue keeps them 14 days, and an alarm on the count stayed in ALARM
    // from the first, telling no one of the next failure.
    const deadLetters = alarms.find((a) => JSON.stringify(a.Metrics ?? []).includes('"DeadLetterQueue"'));
    expect(deadLetters).toMatchObject({
      Metrics: [
        {
          Id: 'visible',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
            },
            Stat: 'Maximum',
          },
          ReturnData: false,
        },
        { Id: 'arrived', Expression: 'DIFF(visible)', ReturnData: true },
      ],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
    // CloudWatch can publish only to a topic whose key lets it (the AWS-managed aws/sns key does not).
    expect(resources.NotificationTopic?.Properties.KmsMasterKeyId).toEqual({ Ref: 'NotificationTopicKey' });
    expect(JSON.stringify(resources.NotificationTopicKey?.Properties.KeyPolicy)).toContain(
      'cloudwatch.amazonaws.com',
    );
  });
});
