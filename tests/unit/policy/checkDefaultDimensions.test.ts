import { describe, expect, it } from 'vitest';
import { policyProblems as problems } from './policyProblems';

// A rule without dimensions of its own is scoped to the target's resource (AutoScalingGroupName,
// DBInstanceIdentifier or DBClusterIdentifier + Role, ReplicationGroupId). A namespace of AWS's that publishes
// no such dimension (AWS/SQS has QueueName only) has no such series: the rule's alarm would never fire and every
// read would come back empty (MetricsMissing), so the target would never scale. Refused, naming the rule.

const rule = (metric: Record<string, unknown>) => ({
  name: 'load',
  type: 'target-tracking',
  target: 100,
  metric: { name: 'ApproximateNumberOfMessagesVisible', ...metric },
});

const asg = (metric: Record<string, unknown>, min = 0) => ({
  name: 'workers',
  kind: 'asg',
  autoScalingGroupName: 'workers',
  capacity: { min, max: 10 },
  rules: [rule(metric)],
});

const rds = (metric: Record<string, unknown>, aurora = false) => ({
  name: 'db',
  kind: 'rds-replicas',
  sourceDbInstanceIdentifier: 'db',
  aurora,
  capacity: { min: 1, max: 3 },
  rules: [rule(metric)],
});

const cacheRules = [
  { namespace: 'AWS/ElastiCache', name: 'DatabaseMemoryUsagePercentage' },
  { namespace: 'AWS/ElastiCache', name: 'EngineCPUUtilization' },
].map((metric, i) => ({ ...rule(metric), name: `r${i}` }));

const cache = (metric: Record<string, unknown>) => ({
  name: 'sessions',
  kind: 'cache-shards',
  replicationGroupId: 'sessions',
  capacity: { min: 1, max: 4 },
  rules: [...cacheRules, rule(metric)],
});

const policy = (target: Record<string, unknown>) => ({ version: 1, targets: [target] });

describe('a rule without dimensions reads a namespace that publishes its target’s dimension', () => {
  it.each([
    {
      name: 'a group scaled on queue depth without the queue (the advice for min 0)',
      raw: policy(asg({ namespace: 'AWS/SQS' })),
      want: 'targets[0] "workers".rules[0] "load".metric.dimensions: AWS/SQS publishes no AutoScalingGroupName dimension',
    },
    {
      name: 'a group scaled on the load balancer’s request count without the load balancer',
      raw: policy(asg({ namespace: 'AWS/ApplicationELB', name: 'RequestCount' }, 2)),
      want: 'targets[0] "workers".rules[0] "load".metric.dimensions: AWS/ApplicationELB publishes no AutoScalingGroupName dimension',
    },
    {
      name: 'RDS replicas scaled on an EC2 metric',
      raw: policy(rds({ namespace: 'AWS/EC2', name: 'CPUUtilization' })),
      want: 'targets[0] "db".rules[0] "load".metric.dimensions: AWS/EC2 publishes no DBInstanceIdentifier dimension',
    },
    {
      name: 'Aurora readers scaled on a queue',
      raw: policy(rds({ namespace: 'AWS/SQS' }, true)),
      want: 'targets[0] "db".rules[0] "load".metric.dimensions: AWS/SQS publishes no DBClusterIdentifier dimension',
    },
    {
      name: 'cache shards scaled on a queue',
      raw: policy(cache({ namespace: 'AWS/SQS' })),
      want: 'targets[0] "sessions".rules[2] "load".metric.dimensions: AWS/SQS publishes no ReplicationGroupId dimension',
    },
  ])('refuses $name', ({ raw, want }) => {
    expect(problems(raw).join('\n')).toContain(want);
  });

  it.each([
    { name: 'EC2 CPU of a group', raw: policy(asg({ namespace: 'AWS/EC2', name: 'CPUUtilization' }, 1)) },
    { name: 'a group metric of Auto Scaling', raw: policy(asg({ namespace: 'AWS/AutoScaling' }, 1)) },
    {
      name: 'queue depth with its queue',
      raw: policy(asg({ namespace: 'AWS/SQS', dimensions: { QueueName: 'jobs' } })),
    },
    {
      name: 'the CloudWatch agent (it can append AutoScalingGroupName)',
      raw: policy(asg({ namespace: 'CWAgent' }, 1)),
    },
    { name: 'a namespace of the operator’s own', raw: policy(asg({ namespace: 'Shop/Orders' })) },
    { name: 'an RDS metric of the source', raw: policy(rds({ namespace: 'AWS/RDS' })) },
    { name: 'an RDS metric of Aurora readers', raw: policy(rds({ namespace: 'AWS/RDS' }, true)) },
    { name: 'an ElastiCache metric of the nodes', raw: policy(cache({ namespace: 'AWS/ElastiCache' })) },
  ])('accepts $name', ({ raw }) => {
    expect(problems(raw)).toEqual([]);
  });
});
