import { AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateLaunchTemplateCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateReplicationGroupCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, RDSClient } from '@aws-sdk/client-rds';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { RUNNING_VALUE } from '../decision/pauseState';
import type { EngineSeen } from '../decision/types';
import { AwsCallError } from '../errors';
import type { AlarmDefinition } from '../policy/alarmDefinitions';
import type { Target } from '../policy/schema';
import { type AwsConfig, clientOptions } from './awsConfig';
import { alarmMetric, cloudWatchDimensions } from './cloudWatchMetric';
import { pauseParameterName } from './SsmPauseSwitch';

const wrap =
  (operation: string) =>
  (cause: unknown): never => {
    throw new AwsCallError(operation, cause);
  };

/** The engines of the demo account's source and replication group (its cost baseline is priced by them). */
export const DEMO_ENGINES = {
  asg: [],
  'rds-replicas': [{ name: 'postgres' }],
  'cache-shards': [{ name: 'valkey' }],
} as const satisfies Record<Target['kind'], readonly EngineSeen[]>;

/**
 * Creates the resources of a demo or test account: the ledger table and topic (what `sls deploy` creates
 * in a real one), an Auto Scaling group with its launch template, an RDS source instance, the policy's
 * alarms and metric data. Used by the local account and the integration tests; never by the scalers.
 */
export class DemoAccount {
  constructor(private readonly config: AwsConfig) {}

  async createLedgerTable(tableName: string): Promise<void> {
    await new DynamoDBClient(clientOptions(this.config))
      .send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      )
      .catch(wrap('DynamoDB CreateTable'));
  }

  /** The stage's kill switch, `false` (running), as the stack creates it. */
  async createPauseSwitch(stage: string): Promise<void> {
    await new SSMClient(clientOptions(this.config))
      .send(
        new PutParameterCommand({
          Name: pauseParameterName(stage),
          Value: RUNNING_VALUE,
          Type: 'String',
          Overwrite: true,
        }),
      )
      .catch(wrap('SSM PutParameter'));
  }

  async createTopic(name: string): Promise<string> {
    const response = await new SNSClient(clientOptions(this.config))
      .send(new CreateTopicCommand({ Name: name }))
      .catch(wrap('SNS CreateTopic'));
    return response.TopicArn ?? '';
  }

  async createAutoScalingGroup(
    name: string,
    size: { min: number; max: number; desired: number },
  ): Promise<void> {
    await new EC2Client(clientOptions(this.config))
      .send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: `${name}-lt`,
          LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' },
        }),
      )
      .catch(wrap('EC2 CreateLaunchTemplate'));
    await new AutoScalingClient(clientOptions(this.config))
      .send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: '$Latest' },
          MinSize: size.min,
          MaxSize: size.max,
          DesiredCapacity: size.desired,
          AvailabilityZones: [`${this.config.region}a`],
        }),
      )
      .catch(wrap('AutoScaling CreateAutoScalingGroup'));
  }

  async createDbInstance(id: string): Promise<void> {
    await new RDSClient(clientOptions(this.config))
      .send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBInstanceClass: 'db.t4g.medium',
          Engine: DEMO_ENGINES['rds-replicas'][0].name,
          AllocatedStorage: 20,
          MasterUsername: 'scalepilot',
          MasterUserPassword: 'demo-password-1',
        }),
      )
      .catch(wrap('RDS CreateDBInstance'));
  }

  /** A read replica of `source`, made as an operator would by hand (untagged). */
  async createReadReplica(source: string, id: string): Promise<void> {
    await new RDSClient(clientOptions(this.config))
      .send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: id,
          SourceDBInstanceIdentifier: source,
        }),
      )
      .catch(wrap('RDS CreateDBInstanceReadReplica'));
  }

  /** A Redis OSS replication group in cluster mode with `shards` node groups. */
  async createReplicationGroup(id: string, shards: number): Promise<void> {
    await new ElastiCacheClient(clientOptions(this.config))
      .send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: id,
          ReplicationGroupDescription: 'Scalepilot demo cluster',
          // Valkey: a Redis OSS group's engine version is read from its member clusters, which moto lacks.
          Engine: DEMO_ENGINES['cache-shards'][0].name,
          CacheNodeType: 'cache.t4g.small',
          NumNodeGroups: shards,
          ReplicasPerNodeGroup: 1,
          ClusterMode: 'enabled',
        }),
      )
      .catch(wrap('ElastiCache CreateReplicationGroup'));
  }

  /**
   * Creates one of the policy's alarms, from the same definition (and the same metric math for
   * `percentOf` metrics) as the stack template, and returns its ARN.
   */
  async putAlarm(alarm: AlarmDefinition, actionArn: string): Promise<string> {
    const cloudWatch = new CloudWatchClient(clientOptions(this.config));
    await cloudWatch
      .send(
        new PutMetricAlarmCommand({
          AlarmName: alarm.alarmName,
          ComparisonOperator: alarm.comparison,
          Threshold: alarm.threshold,
          EvaluationPeriods: alarm.evaluationPeriods,
          DatapointsToAlarm: alarm.evaluationPeriods,
          TreatMissingData: alarm.treatMissingData,
          AlarmActions: [actionArn],
          OKActions: [actionArn],
          ...(alarmMetric(alarm.metric) as Omit<PutMetricAlarmCommandInput, 'AlarmName'>),
        }),
      )
      .catch(wrap('CloudWatch PutMetricAlarm'));
    const described = await cloudWatch
      .send(new DescribeAlarmsCommand({ AlarmNames: [alarm.alarmName] }))
      .catch(wrap('CloudWatch DescribeAlarms'));
    const arn = described.MetricAlarms?.[0]?.AlarmArn;
    if (!arn)
      throw new AwsCallError('CloudWatch DescribeAlarms', new Error(`${alarm.alarmName} was not created`));
    return arn;
  }

  /** Sets an alarm's state, as CloudWatch does when its evaluation changes it. */
  async setAlarmState(alarmName: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA', reason: string) {
    await new CloudWatchClient(clientOptions(this.config))
      .send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: state, StateReason: reason }))
      .catch(wrap('CloudWatch SetAlarmState'));
  }

  /** Publishes datapoints of several metrics: one PutMetricData call per namespace, side by side. */
  async putMetrics(
    points: readonly {
      metric: { namespace: string; name: string; dimensions: Record<string, string> };
      value: number;
      timestamp: Date;
    }[],
  ): Promise<void> {
    const byNamespace = new Map<string, (typeof points)[number][]>();
    for (const p of points)
      byNamespace.set(p.metric.namespace, [...(byNamespace.get(p.metric.namespace) ?? []), p]);
    const cloudWatch = new CloudWatchClient(clientOptions(this.config));
    await Promise.all(
      [...byNamespace].map(([namespace, group]) =>
        cloudWatch
          .send(
            new PutMetricDataCommand({
              Namespace: namespace,
              MetricData: group.map((p) => ({
                MetricName: p.metric.name,
                Value: p.value,
                Timestamp: p.timestamp,
                Dimensions: cloudWatchDimensions(p.metric.dimensions),
              })),
            }),
          )
          .catch(wrap('CloudWatch PutMetricData')),
      ),
    );
  }

  /** One datapoint of one metric. */
  async putMetric(
    metric: { namespace: string; name: string; dimensions: Record<string, string> },
    value: number,
    timestamp: Date,
  ): Promise<void> {
    await this.putMetrics([{ metric, value, timestamp }]);
  }
}
