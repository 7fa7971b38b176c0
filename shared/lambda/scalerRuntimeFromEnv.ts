import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ApiCallBudget, type BudgetTime } from '../adapters/ApiCallBudget';
import { type AwsConfig, awsConfigFromEnv, clientOptions } from '../adapters/awsConfig';
import { CloudWatchMetricsReader } from '../adapters/CloudWatchMetricsReader';
import { DynamoLedger } from '../adapters/DynamoLedger';
import { ledgerScope, scopeFromEnv } from '../adapters/ledgerScope';
import { SnsNotifier } from '../adapters/SnsNotifier';
import { SqsFanOut } from '../adapters/SqsFanOut';
import { pauseParameterName, SsmPauseSwitch } from '../adapters/SsmPauseSwitch';
import { controlPlaneOf, runPlan } from '../policy/runPlan';
import type { Policy, TargetKind } from '../policy/schema';
import type { CapacityPort, Clock, KindScaler } from '../ports';
import type { LogSink } from '../usecases/evaluateTargets';
import { bundledPolicy } from './bundledPolicy';
import type { ScalerRuntime } from './createScalerHandler';
import { requiredEnv, systemClock } from './lambdaEnv';
import { powertoolsDecisionMetrics } from './powertoolsDecisionMetrics';

// In a module of their own, so the cost and predict functions do not import the scalers' adapters.
export { requiredEnv, systemClock };

export interface RuntimeOptions {
  readonly kind: TargetKind;
  /** The kind's AWS side, given the deployed stage (the RDS kind tags its replicas with it). */
  readonly capacity: (config: AwsConfig, stage: string) => CapacityPort | KindScaler<unknown>;
  readonly logger: LogSink;
  readonly metrics?: Metrics;
  readonly env?: NodeJS.ProcessEnv;
  readonly policy?: Policy;
  readonly aws?: AwsConfig;
  readonly clock?: Clock;
  /** The API budget's time (virtual in benchmarks); the wall clock by default. */
  readonly budgetTime?: BudgetTime;
}

/** A queue's name from its URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`): the URL's last part. */
function queueName(url: string): string {
  return url.split('/').filter(Boolean).at(-1) ?? url;
}

/** Builds a scaler's runtime from its Lambda environment (set by serverless.yml); tests override parts. */
export function scalerRuntimeFromEnv(options: RuntimeOptions): ScalerRuntime {
  const env = options.env ?? process.env;
  const required = (name: string) => requiredEnv(env, name);
  const policy = options.policy ?? bundledPolicy(env);
  // Each run's share of the account's rate for the kind's control plane (split over its fan-out batches).
  const plan = runPlan(policy, options.kind);
  const budget = new ApiCallBudget(
    { [controlPlaneOf[options.kind]]: plan.runRatePerSecond },
    options.budgetTime,
  );
  const aws: AwsConfig = { ...(options.aws ?? awsConfigFromEnv(env)), budget };
  const table = required('LEDGER_TABLE');
  const fanOutQueue = env.FANOUT_QUEUE_URL;
  // The function's own account and region: its ledger scope, and the only alarms it acts on.
  const scope = scopeFromEnv(env, aws.region);
  const stage = required('SCALEPILOT_STAGE');
  return {
    kind: options.kind,
    policy,
    stage,
    account: scope.account,
    region: aws.region,
    ...(fanOutQueue ? { fanOutQueue: queueName(fanOutQueue) } : {}),
    capacity: options.capacity(aws, stage),
    metrics: new CloudWatchMetricsReader(aws),
    ledger: new DynamoLedger(aws, table, ledgerScope(scope)),
    notifier: new SnsNotifier(aws, required('TOPIC_ARN')),
    pause: new SsmPauseSwitch(aws, pauseParameterName(stage)),
    apiBudget: budget,
    // Only a policy with more targets of the kind than one run takes fans out (the stack has the queue then).
    ...(fanOutQueue && plan.batches > 1 ? { fanOut: new SqsFanOut(aws, fanOutQueue, options.kind) } : {}),
    clock: options.clock ?? systemClock,
    log: options.logger,
    ...(options.metrics ? { decisionMetrics: powertoolsDecisionMetrics(options.metrics) } : {}),
    idempotencyStore: new DynamoDBPersistenceLayer({
      tableName: table,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: `IDEMPOTENCY#${options.kind}`,
      expiryAttr: 'ttl',
      clientConfig: clientOptions(aws),
    }),
  };
}
