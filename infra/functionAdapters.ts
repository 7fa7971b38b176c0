import { autoScalingCapacityIam } from '../shared/adapters/AutoScalingCapacity';
import { autoScalingScheduledActionsIam } from '../shared/adapters/AutoScalingScheduledActions';
import { cloudWatchForecastMetricsIam } from '../shared/adapters/CloudWatchForecastMetrics';
import { cloudWatchMetricHistoryIam } from '../shared/adapters/CloudWatchMetricHistory';
import { cloudWatchMetricsReaderIam } from '../shared/adapters/CloudWatchMetricsReader';
import { costExplorerReaderIam } from '../shared/adapters/CostExplorerReader';
import { ALERT_PARTITION_PREFIX, dynamoAlertDeliveriesIam } from '../shared/adapters/DynamoAlertDeliveries';
import { dynamoLedgerIam } from '../shared/adapters/DynamoLedger';
import { elastiCacheNodeQuotaIam } from '../shared/adapters/ElastiCacheNodeQuota';
import { elastiCacheReplicaCountIam } from '../shared/adapters/ElastiCacheReplicaCount';
import { elastiCacheScalableTargetsIam } from '../shared/adapters/ElastiCacheScalableTargets';
import { elastiCacheShardCapacityIam } from '../shared/adapters/ElastiCacheShardCapacity';
import type { IamActions } from '../shared/adapters/iamActions';
import { rdsAuroraReadersIam } from '../shared/adapters/RdsAuroraReaders';
import { rdsReaderDiscoveryIam } from '../shared/adapters/RdsReaderDiscovery';
import { rdsReplicaActionsIam } from '../shared/adapters/RdsReplicaActions';
import { rdsReplicaCapacityIam } from '../shared/adapters/RdsReplicaCapacity';
import { rdsReplicaObserverIam } from '../shared/adapters/RdsReplicaObserver';
import { rdsScalableTargetsIam } from '../shared/adapters/RdsScalableTargets';
import { route53ReaderRecordsIam } from '../shared/adapters/Route53ReaderRecords';
import { snsForecastNotifierIam } from '../shared/adapters/SnsForecastNotifier';
import { snsNotifierIam } from '../shared/adapters/SnsNotifier';
import { sqsFanOutIam } from '../shared/adapters/SqsFanOut';
import { pauseParameterName, ssmPauseSwitchIam } from '../shared/adapters/SsmPauseSwitch';
import { ssmReaderEndpointsIam } from '../shared/adapters/SsmReaderEndpoints';
import { webhookChannelIam } from '../shared/adapters/WebhookChannel';
import { needsLiveUnit } from '../shared/cost/scalingCost';
import { runPlan } from '../shared/policy/runPlan';
import type { Policy, TargetKind } from '../shared/policy/schema';
import { fanOutQueueId } from './fanOutResources';
import {
  baseStatements,
  lambdaRole,
  ledgerTable,
  notifyStatements,
  onResource,
  parameterArn,
  readerParameterStatements,
  readerRecordStatements,
  readsAnywhere,
  replicaCountWrites,
  replicaCreates,
  replicaLifecycle,
  type Statement,
  shardWrites,
  webhookStatements,
} from './functionPermissions';
import { groupGrants } from './groupGrants';
import { mergeStatements } from './mergeStatements';
import { forecastMetricStatements, scheduledActionWrites } from './predictPermissions';

/** What a grant's statements may depend on: the policy, and the stage (its kill switch). */
export interface GrantContext {
  readonly policy: Policy;
  readonly stage: string;
}

/**
 * One adapter a function constructs, and how its calls are allowed (issue 20, item 2). The statements grant
 * only the adapter's own declared actions; `readOnly` grants only its reads (the function never acts
 * through it); `when` leaves it out for a policy that never makes it call anything.
 */
export interface AdapterGrant {
  /** The adapter's file in shared/adapters (or the library, for Powertools' idempotency store). */
  readonly adapter: string;
  readonly iam: IamActions;
  readonly readOnly?: true;
  readonly when?: (policy: Policy) => boolean;
  readonly statements: (ctx: GrantContext, iam: IamActions) => Statement[];
}

/** Powertools' idempotency records (DynamoDBPersistenceLayer), in the ledger table; a library, not an adapter. */
export const POWERTOOLS_IDEMPOTENCY = 'powertools-idempotency';
const powertoolsIdempotencyIam: IamActions = {
  read: ['dynamodb:GetItem'],
  write: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

const grant = (
  adapter: string,
  iam: IamActions,
  statements: AdapterGrant['statements'],
  extra: Pick<AdapterGrant, 'readOnly' | 'when'> = {},
): AdapterGrant => ({ adapter, iam, statements, ...extra });
const anywhere = (_: GrantContext, iam: IamActions) => readsAnywhere(iam);
const inLedger = (_: GrantContext, iam: IamActions) => onResource(iam, ledgerTable);
const notify = (_: GrantContext, iam: IamActions) => notifyStatements(iam);

/**
 * The cost alerts' delivery records: read in the ledger, written only on items whose partition key starts with
 * `ALERT#` (dynamodb:LeadingKeys; an item's partition key is its leading key).
 */
function alertRecordStatements(iam: IamActions): Statement[] {
  return [
    { Effect: 'Allow', Action: [...iam.read], Resource: ledgerTable },
    {
      Effect: 'Allow',
      Action: [...iam.write],
      Resource: ledgerTable,
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ALERT_PARTITION_PREFIX}*`] } },
    },
  ];
}

/** The stage's kill switch parameter, and no other. */
const pauseSwitch = grant('SsmPauseSwitch', ssmPauseSwitchIam, ({ stage }, iam) =>
  onResource(iam, parameterArn(pauseParameterName(stage))),
);
const ledger = grant('DynamoLedger', dynamoLedgerIam, inLedger);
const metrics = grant('CloudWatchMetricsReader', cloudWatchMetricsReaderIam, anywhere);
const topic = grant('SnsNotifier', snsNotifierIam, notify);
/** What every scaler constructs besides its resource's adapters (shared/lambda/scalerRuntimeFromEnv.ts). */
const scalerCommon = [
  metrics,
  ledger,
  topic,
  pauseSwitch,
  grant(POWERTOOLS_IDEMPOTENCY, powertoolsIdempotencyIam, inLedger),
];
/** A scaler's fan-out queue (issue 23), when the policy holds more of its targets than one run takes. */
const fanOut = (kind: TargetKind) =>
  grant(
    'SqsFanOut',
    sqsFanOutIam,
    (_, iam) => onResource(iam, { 'Fn::GetAtt': [fanOutQueueId(kind), 'Arn'] }),
    { when: (policy) => runPlan(policy, kind).batches > 1 },
  );
const needsCacheUnit = (policy: Policy) => policy.targets.some(needsLiveUnit);
const rdsWith =
  (has: (t: Extract<Policy['targets'][number], { kind: 'rds-replicas' }>) => boolean) => (policy: Policy) =>
    policy.targets.some((t) => t.kind === 'rds-replicas' && has(t));

/**
 * The adapters each function constructs (its handler, runtime and the adapters they construct), from which its
 * role is built. A test holds this table to the handlers' imports, and the packaged roles to it.
 */
export const functionAdapters = {
  scaleAsg: [
    grant('AutoScalingCapacity', autoScalingCapacityIam, ({ policy, stage }, iam) => [
      ...readsAnywhere(iam),
      ...groupGrants(policy, iam, stage),
    ]),
    fanOut('asg'),
    ...scalerCommon,
  ],
  scaleRdsReplicas: [
    grant('RdsReplicaCapacity', rdsReplicaCapacityIam, anywhere),
    grant('RdsReplicaObserver', rdsReplicaObserverIam, anywhere),
    grant('RdsReplicaActions', rdsReplicaActionsIam, ({ policy, stage }, iam) => [
      ...readsAnywhere(iam),
      ...replicaCreates(policy, iam, false, stage),
      ...replicaLifecycle(policy, iam, stage),
    ]),
    grant(
      'RdsAuroraReaders',
      rdsAuroraReadersIam,
      ({ policy, stage }, iam) => replicaCreates(policy, iam, true, stage),
      { when: rdsWith((t) => t.aurora) },
    ),
    grant('RdsReaderDiscovery', rdsReaderDiscoveryIam, () => []),
    // Aurora Auto Scaling on a cluster: a cluster another autoscaler scales is refused (issue 21).
    grant('RdsScalableTargets', rdsScalableTargetsIam, anywhere),
    grant(
      'Route53ReaderRecords',
      route53ReaderRecordsIam,
      ({ policy }, iam) => readerRecordStatements(policy, iam),
      {
        when: rdsWith((t) => t.readerDiscovery?.route53 !== undefined),
      },
    ),
    grant(
      'SsmReaderEndpoints',
      ssmReaderEndpointsIam,
      ({ policy }, iam) => readerParameterStatements(policy, iam),
      {
        when: rdsWith((t) => t.readerDiscovery?.ssmParameterName !== undefined),
      },
    ),
    fanOut('rds-replicas'),
    ...scalerCommon,
  ],
  scaleCacheShards: [
    grant('ElastiCacheShardCapacity', elastiCacheShardCapacityIam, ({ policy }, iam) => [
      ...readsAnywhere(iam),
      ...shardWrites(policy, iam),
    ]),
    grant('ElastiCacheScalableTargets', elastiCacheScalableTargetsIam, anywhere),
    // The nodes-per-cluster quota checked before a reshard (issue 21); unreadable: the documented 90.
    grant('ElastiCacheNodeQuota', elastiCacheNodeQuotaIam, anywhere),
    grant(
      'ElastiCacheReplicaCount',
      elastiCacheReplicaCountIam,
      ({ policy }, iam) => [...readsAnywhere(iam), ...replicaCountWrites(policy, iam)],
      { when: (policy) => policy.targets.some((t) => t.kind === 'cache-shards' && t.replicaScaling) },
    ),
    fanOut('cache-shards'),
    ...scalerCommon,
  ],
  predict: [
    grant('CloudWatchMetricHistory', cloudWatchMetricHistoryIam, anywhere),
    metrics,
    grant('CloudWatchForecastMetrics', cloudWatchForecastMetricsIam, (_, iam) =>
      forecastMetricStatements(iam),
    ),
    // Always: each run looks for the actions a policy no longer produces, predictive scaling on or off.
    grant('AutoScalingScheduledActions', autoScalingScheduledActionsIam, ({ policy, stage }, iam) => [
      ...readsAnywhere(iam),
      ...scheduledActionWrites(policy, iam, stage),
    ]),
    ledger,
    grant('SnsForecastNotifier', snsForecastNotifierIam, notify),
    pauseSwitch,
  ],
  alertCost: [
    grant('CostExplorerReader', costExplorerReaderIam, anywhere),
    // Its delivery records only: the function that calls a webhook may not write a target's floors or leases.
    grant('DynamoAlertDeliveries', dynamoAlertDeliveriesIam, (_, iam) => alertRecordStatements(iam)),
    // The decisions it prices, read; it writes nothing else in the ledger.
    grant('DynamoLedger', dynamoLedgerIam, inLedger, { readOnly: true }),
    topic,
    grant('WebhookChannel', webhookChannelIam, ({ policy }, iam) => webhookStatements(policy, iam), {
      when: (policy) => policy.notifications.webhookParameterName !== undefined,
    }),
    // A cache shard's node type and replicas, read from its group where the policy leaves them out.
    grant('ElastiCacheShardCapacity', elastiCacheShardCapacityIam, anywhere, {
      readOnly: true,
      when: needsCacheUnit,
    }),
    grant('ElastiCacheScalableTargets', elastiCacheScalableTargetsIam, anywhere, {
      readOnly: true,
      when: needsCacheUnit,
    }),
    grant('ElastiCacheNodeQuota', elastiCacheNodeQuotaIam, anywhere, {
      readOnly: true,
      when: needsCacheUnit,
    }),
    grant('ElastiCacheReplicaCount', elastiCacheReplicaCountIam, anywhere, {
      readOnly: true,
      when: needsCacheUnit,
    }),
  ],
} satisfies Record<string, AdapterGrant[]>;

export type FunctionName = keyof typeof functionAdapters;

/** The grants a function's role holds for this policy: its adapters that the policy makes call anything. */
export function activeGrants(fn: FunctionName, policy: Policy): AdapterGrant[] {
  return functionAdapters[fn].filter((g) => g.when?.(policy) ?? true);
}

/** The IAM actions a grant gives: the adapter's reads, its writes unless read-only, and what they depend on. */
export function grantedActions(g: AdapterGrant): IamActions {
  return g.readOnly ? { read: g.iam.read, write: [] } : g.iam;
}

/**
 * A function's IAM role, built from the adapters it constructs (functionAdapters), plus what the Lambda
 * service does with every role (logs, traces, the dead-letter queue) and, in `service`, with this one (a
 * scaler's fan-out queue as its event source). `functionName` is the deployed name.
 */
export function functionRole(
  fn: FunctionName,
  policy: Policy,
  functionName: string,
  stage: string,
  service: Statement[] = [],
) {
  const grants = activeGrants(fn, policy);
  const statementsFor = (p: Policy) =>
    mergeStatements([
      ...grants.flatMap((g) => g.statements({ policy: p, stage }, grantedActions(g))),
      ...baseStatements(functionName),
      ...service,
    ]);
  // The statements no target changes (reads, the ledger, the topic, the kill switch, the logs) first: the role's
  // inline policy takes them before any target's (infra/rolePolicies.ts), so they never move to or between its
  // managed policies, which CloudFormation updates before the role: a grant that moved would be missing in
  // between, and a run then could not read its ledger or kill switch.
  const targetFree = new Set(
    statementsFor({ ...policy, targets: [], plans: [] }).map((s) => JSON.stringify(s)),
  );
  const statements = statementsFor(policy);
  const fixed = statements.filter((s) => targetFree.has(JSON.stringify(s)));
  const perTarget = statements.filter((s) => !targetFree.has(JSON.stringify(s)));
  return lambdaRole(`${fn}-policy`, [...fixed, ...perTarget]);
}
