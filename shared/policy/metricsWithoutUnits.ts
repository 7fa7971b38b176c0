/**
 * Which metrics report while a group has no instance (issue 20, item 9). A group at `min: 0` can only leave
 * zero on a rule whose metric measures demand outside the group: a queue's depth, a load balancer's request
 * count. A per-instance metric (an instance's CPU, a target's response time) has no datapoint while no
 * instance runs, so a rule on it can never scale out from zero. docs/policy.md gives the same list.
 */

/** AWS metrics known to report without any instance: namespace → metric names (`*`: the whole namespace). */
export const METRICS_WITHOUT_UNITS: Readonly<Record<string, readonly string[]>> = {
  // Queue depth, the age of the oldest message, messages sent: the queue reports with no consumer.
  'AWS/SQS': ['*'],
  // Counted by the load balancer itself (by LoadBalancer: a target group with no target counts no request).
  'AWS/ApplicationELB': ['RequestCount', 'ActiveConnectionCount', 'NewConnectionCount', 'ProcessedBytes'],
  'AWS/NetworkELB': ['ActiveFlowCount', 'NewFlowCount', 'ProcessedBytes'],
  'AWS/ELB': ['RequestCount'],
  'AWS/ApiGateway': ['Count'],
  'AWS/Kinesis': ['IncomingRecords', 'IncomingBytes', 'GetRecords.IteratorAgeMilliseconds'],
};

/** The CloudWatch agent publishes from inside each instance. */
const AGENT_NAMESPACE = 'CWAgent';

export interface MetricRef {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * Why a rule on `metric` cannot leave zero instances, or undefined when the metric reports without them.
 * Every other AWS namespace (AWS/EC2, AWS/AutoScaling, a target's TargetResponseTime …) and the CloudWatch
 * agent's are per instance. A namespace of your own counts as reporting without instances: publish it from
 * outside the group (a producer, a scheduler), or it too stops at zero.
 */
export function perUnitMetricReason(metric: MetricRef): string | undefined {
  const known = METRICS_WITHOUT_UNITS[metric.namespace];
  if (known) {
    const listed = known.includes('*') || known.includes(metric.name);
    if (!listed)
      return `${metric.namespace}/${metric.name} is published per instance or per target (of ${metric.namespace}, only ${known.join(', ')} report without instances)`;
    if (metric.namespace === 'AWS/ApplicationELB' && metric.dimensions?.TargetGroup !== undefined)
      return `${metric.namespace}/${metric.name} by TargetGroup counts only requests routed to a target: read it by LoadBalancer`;
    return undefined;
  }
  if (metric.namespace === AGENT_NAMESPACE)
    return `${AGENT_NAMESPACE}/${metric.name} is published by the CloudWatch agent inside each instance`;
  if (metric.namespace.startsWith('AWS/'))
    return `${metric.namespace}/${metric.name} is published per instance or per resource of the group`;
  return undefined;
}
