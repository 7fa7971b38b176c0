import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type AwsConfig, awsConfigFromEnv } from '../adapters/awsConfig';
import { CostExplorerReader } from '../adapters/CostExplorerReader';
import { DynamoAlertDeliveries } from '../adapters/DynamoAlertDeliveries';
import { DynamoLedger } from '../adapters/DynamoLedger';
import { ElastiCacheShardCapacity } from '../adapters/ElastiCacheShardCapacity';
import { ledgerScope, scopeFromEnv } from '../adapters/ledgerScope';
import { SnsNotifier } from '../adapters/SnsNotifier';
import { WebhookChannel } from '../adapters/WebhookChannel';
import { bundledPrices } from '../cost/bundledPrices';
import type { PriceTable } from '../cost/priceTable';
import { parseCostEvent } from '../events/parseCostEvent';
import type { Policy } from '../policy/schema';
import type { Clock, CostAlertChannel, CostReader } from '../ports';
import { alertCosts, type CostDeps } from '../usecases/alertCosts';
import type { LogSink } from '../usecases/evaluateTargets';
import { bundledPolicy } from './bundledPolicy';
import { requiredEnv, systemClock } from './lambdaEnv';
import { lambdaTelemetry } from './lambdaTelemetry';
import { recordFailureMetrics } from './recordFailureMetrics';

export interface CostRuntimeOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly policy?: Policy;
  readonly aws?: AwsConfig;
  readonly clock?: Clock;
  readonly logger?: LogSink;
  readonly prices?: PriceTable;
  /** Cost Explorer; by default the real one. */
  readonly costs?: CostReader;
  /** Counts a failed write to the delivery records; by default the `RecordFailures` EMF metric. */
  readonly recordFailed?: (operation: string) => void;
}

/** The cost check's dependencies from its Lambda environment (serverless.yml); tests override parts. */
export function costRuntimeFromEnv(options: CostRuntimeOptions, logger: LogSink): CostDeps {
  const env = options.env ?? process.env;
  const required = (name: string) => requiredEnv(env, name);
  const aws = options.aws ?? awsConfigFromEnv(env);
  const policy = options.policy ?? bundledPolicy(env);
  const table = required('LEDGER_TABLE');
  const scope = ledgerScope(scopeFromEnv(env, aws.region));
  const ledger = new DynamoLedger(aws, table, scope);
  const webhook = policy.notifications.webhookParameterName;
  const channels: CostAlertChannel[] = [
    new SnsNotifier(aws, required('TOPIC_ARN')),
    ...(webhook ? [new WebhookChannel(aws, webhook)] : []),
  ];
  return {
    policy,
    costs: options.costs ?? new CostExplorerReader(aws),
    alerts: new DynamoAlertDeliveries(aws, table, scope),
    decisions: (target, from, to) => ledger.decisions(target, { from, to }),
    channels,
    clock: options.clock ?? systemClock,
    log: options.logger ?? logger,
    region: aws.region,
    prices: options.prices ?? bundledPrices,
    // A cache shard's node type and replicas, from the group, where the policy leaves them out.
    liveUnit: (target) => new ElastiCacheShardCapacity(aws).liveUnit(target),
    ...(options.recordFailed ? { recordFailed: options.recordFailed } : {}),
  };
}

/** The alert-cost Lambda: parse which check, run it, log what was sent. */
export function costFunction(options: CostRuntimeOptions = {}) {
  const { logger, metrics } = lambdaTelemetry('alert-cost');
  const deps = costRuntimeFromEnv(
    { recordFailed: recordFailureMetrics(metrics), ...options },
    logger as Logger,
  );
  return middy(async (event: unknown, context: { getRemainingTimeInMillis(): number }) => {
    let check: 'daily' | 'forecast';
    try {
      check = parseCostEvent(event);
    } catch (error) {
      deps.log.error('event refused', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    // A claim lasts as long as this invocation can: once it expires, its holder is gone for sure.
    const claimSeconds = Math.ceil(context.getRemainingTimeInMillis() / 1000) + 5;
    const run = await alertCosts(deps, check, { claimSeconds });
    return {
      check,
      day: run.evaluation.day,
      // The daily check compares the day before `day` again: its alerts and notes are in the lists too.
      ...(run.evaluation.compared ? { compared: run.evaluation.compared } : {}),
      alerts: run.evaluation.alerts.length,
      sent: run.sent,
      alreadySent: run.alreadySent,
      notes: run.evaluation.notes,
    };
  }).use(injectLambdaContext(logger));
}
