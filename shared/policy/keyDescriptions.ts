// What each key of scalepilot.yml means, for the keys whose schema carries no `.describe()` of its own.
// The JSON Schema for editors and docs/policy.md are generated with these; a test fails when a key of the
// schema has no description (here or in the schema), or when an entry here names no key (or one the schema
// already describes). Paths: dotted, `[]` for the items of an array, the same for every kind of target.

/** Descriptions by key path, e.g. `targets[].capacity.min`. */
export const keyDescriptions: Readonly<Record<string, string>> = {
  version: 'the policy format; always 1',
  targets: 'the resources Scalepilot manages, one entry each (a name may appear once, a resource once)',
  'targets[].name':
    'the target’s own name: in alarm names, the ledger, notifications and `scalepilot why --target`',
  'targets[].kind':
    'what the target scales: `asg` (an Auto Scaling group), `rds-replicas` (read replicas or Aurora readers of a source) or `cache-shards` (the shards of a cluster-mode Valkey / Redis OSS replication group)',
  'targets[].capacity':
    'the range every decision stays in, in units of the kind (instances, read replicas, shards; a weighted group’s own unit)',
  'targets[].capacity.min':
    'the fewest units; a scale-in never goes below it (cache-shards: at least 1, a cluster-mode replication group keeps one shard)',
  'targets[].capacity.max':
    'the most units; no rule, floor or event goes above it (rds-replicas: at most 15, the read replicas RDS makes of a source; cache-shards: at most 500 shards)',
  'targets[].rules':
    'what to scale on: each rule recommends a capacity; the largest wins, and a scale-in needs every rule to agree',
  'targets[].rules[].name': 'the rule’s name: in its alarms’ names, the decision’s metric values and `why`',
  'targets[].rules[].type':
    '`step` (thresholds with steps) or `target-tracking` (hold the metric at a target)',
  'targets[].rules[].metric.namespace': 'the CloudWatch namespace, e.g. `AWS/EC2`',
  'targets[].rules[].metric.name': 'the CloudWatch metric name, e.g. `CPUUtilization`',
  'targets[].rules[].metric.statistic':
    'the statistic read: `Average`, `Sum`, `Minimum`, `Maximum`, `SampleCount` or a percentile such as `p95`',
  'targets[].rules[].metric.periodSeconds':
    'the metric’s period (60 with detailed monitoring, 300 for EC2 basic monitoring)',
  'targets[].rules[].evaluationPeriods':
    'how many consecutive complete periods must breach, for the alarm and the decision alike (× the period ≤ one day)',
  'targets[].rules[].scaleOut': '(step) the scale-out steps: the largest breached one wins',
  'targets[].rules[].scaleOut[].above': 'the threshold the metric must be above',
  'targets[].rules[].scaleOut[].add': 'units added when it is',
  'targets[].rules[].scaleIn': '(step) the scale-in steps, each below the lowest scale-out threshold',
  'targets[].rules[].scaleIn[].below': 'the threshold the metric must be below',
  'targets[].rules[].scaleIn[].remove': 'units removed when it is',
  'targets[].rules[].target':
    '(target-tracking) the value to hold the metric at: desired = ceil(serving × metric ÷ target)',
  'targets[].rules[].tolerance':
    '(target-tracking) no change while the metric is within this share of the target (0.1: ±10%)',
  'targets[].cooldowns': 'the least time between two changes of one direction',
  'targets[].cooldowns.scaleOutSeconds':
    'after a scale-out, the next scale-out waits this long (ScaleOutCooldown)',
  'targets[].cooldowns.scaleInSeconds':
    'after a scale-in, the next scale-in waits this long (ScaleInCooldown); after a scale-out, `stabilization.scaleInAfterScaleOutSeconds` applies',
  'targets[].stabilization': 'HPA-style windows over the rules’ recommendations (StabilizationWindow)',
  'targets[].stabilization.scaleOutSeconds':
    'scale out only to the lowest recommendation of this window (at most 86400)',
  'targets[].stabilization.scaleInSeconds':
    'scale in only to the highest recommendation of this window (at most 86400)',
  'targets[].rateLimits': 'the most capacity may change per period, per direction (…RateLimited)',
  'targets[].rateLimits.scaleOut':
    'limits on scale-out, each over its own period from the capacity before its first scale-out there; of several, the most permissive applies (the HPA’s default selectPolicy)',
  'targets[].rateLimits.scaleIn':
    'limits on scale-in, each over its own period from the capacity before its first scale-in there; of several, the most permissive applies (the HPA’s default selectPolicy)',
  'targets[].rateLimits.scaleOut[].type': '`percent` of the capacity at the period’s start, or `units`',
  'targets[].rateLimits.scaleOut[].value': 'how much, in that type',
  'targets[].rateLimits.scaleOut[].periodSeconds':
    'over how long (up to 86400; the ledger keeps the history for the longest)',
  'targets[].rateLimits.scaleIn[].type': '`percent` of the capacity at the period’s start, or `units`',
  'targets[].rateLimits.scaleIn[].value': 'how much, in that type',
  'targets[].rateLimits.scaleIn[].periodSeconds':
    'over how long (up to 86400; the ledger keeps the history for the longest)',
  'targets[].autoScalingGroupName':
    '(asg) the group’s name; never `*`, `?`, `${` or a control character (it goes into IAM ARNs and the template)',
  'targets[].instanceWarmupSeconds':
    '(asg) units added within this, counted from the scale-out’s decision, are booting, not serving: make it the launch (boot, lifecycle hooks) and the warm-up together; also the lead of the predictive floors',
  'targets[].sourceDbInstanceIdentifier':
    '(rds-replicas) the source DB instance (or, with `aurora`, the Aurora cluster); used lowercase',
  'targets[].readerDiscovery.route53.hostedZoneId': 'a private hosted zone of the VPC',
  'targets[].readerDiscovery.route53.recordName': 'the name of the weighted CNAME records, inside that zone',
  'targets[].readerDiscovery.route53.ttlSeconds': 'their TTL (5–300)',
  'targets[].replicationGroupId': '(cache-shards) the cluster-mode replication group; used lowercase',
  'targets[].replicaScaling.min': 'the fewest replicas per shard (0–5)',
  'targets[].replicaScaling.max': 'the most replicas per shard (0–5), at least min',
  predictive:
    'predictive scaling: the hourly predict function forecasts each predictive target’s load and raises its floor ahead of it',
  'predictive.enabled': 'run the predict function at all (targets opt in with `predictive: true`)',
  'predictive.mode':
    '`forecast-only`: publish the forecast, change nothing; `forecast-and-scale`: floors in the ledger and scheduled MinSize actions on groups',
  'predictive.provisioningMinutes.rds-replicas': 'minutes a read replica takes to serve',
  'predictive.provisioningMinutes.cache-shards': 'minutes a reshard takes',
  'predictive.tuning':
    'walk-forward tuning of each target’s floor knobs on its own past runs ([predictive](predictive.md#walk-forward-tuning-of-the-floors))',
  'predictive.tuning.headroomQuantile.min': 'the lowest quantile tried',
  'predictive.tuning.headroomQuantile.max': 'the highest quantile tried',
  'predictive.tuning.holdMinutes.min': 'the shortest hold tried, minutes',
  'predictive.tuning.holdMinutes.max': 'the longest hold tried, minutes',
  'predictive.events[].name': 'the event’s name, in the floors’ source and the decision’s message',
  'predictive.events[].demand':
    'the floor for the window: `units`, or the forecast’s need × `multiplier` (exactly one)',
  cost: 'cost alerts from Cost Explorer: the daily function compares each complete day; none: no cost checks',
  'cost.anomaly': 'a service’s day against its trailing days: an alert needs all three conditions',
  'cost.anomaly.trailingDays': 'how many days before it the day is compared with (at least 3 with data)',
  'cost.anomaly.minRisePercent': 'the rise over the trailing mean, percent',
  'cost.anomaly.zScore': 'standard deviations above the trailing mean',
  'cost.anomaly.minAbsoluteUsd': 'dollars above the trailing mean',
  fleet:
    'how a scheduled run shares the account’s control-plane request rates and how many targets one run takes (more fan out over SQS batches)',
  notifications: 'where changes and cost alerts go: the stack’s SNS topic, and optionally a webhook',
  'plans[].name': 'the plan’s own name: `backtest --plan NAME`, its members’ reasons and notices',
  'plans[].demand':
    'the signal the plan follows: a metric of its own (`metric`, e.g. the load balancer’s RequestCount) or one of its members’ rules (`rule`)',
  'plans[].demand.metric.namespace': 'the demand metric’s CloudWatch namespace, e.g. `AWS/ApplicationELB`',
  'plans[].demand.metric.name': 'the demand metric’s name, e.g. `RequestCount`',
  'plans[].demand.metric.statistic': 'the statistic read (`Sum` for a count of requests)',
  'plans[].demand.metric.periodSeconds': 'the demand metric’s period',
  'plans[].demand.rule.member': 'the member whose rule is the demand',
  'plans[].demand.rule.rule': 'that member’s rule, by name (its metric, scoped to the member’s resource)',
  'plans[].members[].ratio.units': 'units of this member (default 1)',
  'plans[].members[].ratio.per': 'per this many units of the other member (rounded up)',
  'notifications.emails': 'addresses subscribed to the topic (each confirms a mail from SNS)',
};

/** A JSON Schema node, as far as the walk reads it. */
export interface SchemaNode {
  type?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  [keyword: string]: unknown;
}

/** One key of the policy: its path and every schema node that defines it (one per kind of target that has it). */
export interface PolicyKey {
  readonly path: string;
  readonly nodes: readonly SchemaNode[];
  /** The object schemas holding it, to read whether it is required. */
  readonly parents: readonly SchemaNode[];
}

/** Every key of the policy's JSON Schema, parents before children, in the schema's order. */
export function policyKeys(schema: SchemaNode): PolicyKey[] {
  const found = new Map<string, { nodes: SchemaNode[]; parents: SchemaNode[] }>();
  const walk = (node: SchemaNode, path: string) => {
    for (const variant of [...(node.oneOf ?? []), ...(node.anyOf ?? [])]) walk(variant, path);
    if (node.items) walk(node.items, `${path}[]`);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      const entry = found.get(childPath) ?? { nodes: [], parents: [] };
      entry.nodes.push(child);
      entry.parents.push(node);
      found.set(childPath, entry);
      walk(child, childPath);
    }
  };
  walk(schema, '');
  return [...found].map(([path, { nodes, parents }]) => ({ path, nodes, parents }));
}

/**
 * The schema with every key described: its own `.describe()` where it has one, the entry of
 * `keyDescriptions` otherwise (set on each node of the key). Returns the keys left without one.
 */
export function describeKeys(schema: SchemaNode): { missing: string[] } {
  const missing: string[] = [];
  for (const key of policyKeys(schema)) {
    const own = key.nodes.find((n) => n.description)?.description;
    const text = own ?? keyDescriptions[key.path];
    if (!text) missing.push(key.path);
    else for (const node of key.nodes) node.description ??= text;
  }
  return { missing };
}
