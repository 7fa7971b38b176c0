import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AutoScalingScheduledActions } from '../adapters/AutoScalingScheduledActions';
import { type AwsConfig, awsConfigFromEnv } from '../adapters/awsConfig';
import { CloudWatchForecastMetrics } from '../adapters/CloudWatchForecastMetrics';
import { CloudWatchMetricHistory } from '../adapters/CloudWatchMetricHistory';
import { DynamoLedger } from '../adapters/DynamoLedger';
import { ledgerScope, scopeFromEnv } from '../adapters/ledgerScope';
import { SnsForecastNotifier } from '../adapters/SnsForecastNotifier';
import { pauseParameterName, SsmPauseSwitch } from '../adapters/SsmPauseSwitch';
import { parsePredictEvent } from '../events/parsePredictEvent';
import type { Policy } from '../policy/schema';
import type { Clock } from '../ports';
import type { LogSink } from '../usecases/evaluateTargets';
import { type PredictDeps, predictTargets } from '../usecases/predictTargets';
import { bundledPolicy } from './bundledPolicy';
import { requiredEnv, systemClock } from './lambdaEnv';
import { lambdaTelemetry } from './lambdaTelemetry';
import { recordFailureMetrics } from './recordFailureMetrics';

export interface PredictRuntimeOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly policy?: Policy;
  readonly aws?: AwsConfig;
  readonly clock?: Clock;
  readonly logger?: LogSink;
  /** Counts a failed ledger write; by default the `RecordFailures` EMF metric. */
  readonly recordFailed?: (operation: string) => void;
  /** Counts a run's deferred targets; by default the `DeferredTargets` EMF metric. */
  readonly deferredTargets?: (count: number) => void;
}

/** The predict function's dependencies from its Lambda environment (serverless.yml); tests override parts. */
export function predictRuntimeFromEnv(options: PredictRuntimeOptions, logger: LogSink): PredictDeps {
  const env = options.env ?? process.env;
  const aws = options.aws ?? awsConfigFromEnv(env);
  const scope = ledgerScope(scopeFromEnv(env, aws.region));
  return {
    policy: options.policy ?? bundledPolicy(env),
    history: new CloudWatchMetricHistory(aws),
    // The logger hears of a forecast track cut to fit its DynamoDB item.
    ledger: new DynamoLedger(
      aws,
      requiredEnv(env, 'LEDGER_TABLE'),
      scope,
      undefined,
      options.logger ?? logger,
    ),
    groups: new AutoScalingScheduledActions(aws, requiredEnv(env, 'SCALEPILOT_STAGE')),
    publisher: new CloudWatchForecastMetrics(aws),
    notifier: new SnsForecastNotifier(aws, requiredEnv(env, 'TOPIC_ARN')),
    pause: new SsmPauseSwitch(aws, pauseParameterName(requiredEnv(env, 'SCALEPILOT_STAGE'))),
    clock: options.clock ?? systemClock,
    log: options.logger ?? logger,
    ...(options.recordFailed ? { recordFailed: options.recordFailed } : {}),
    ...(options.deferredTargets ? { deferredTargets: options.deferredTargets } : {}),
  };
}

/** `DeferredTargets` per run under the function's `service` dimension only, as the scalers count theirs. */
function deferredTargetsMetric(metrics: Metrics): (count: number) => void {
  return (count) => metrics.singleMetric().addMetric('DeferredTargets', MetricUnit.Count, count);
}

/**
 * The predict Lambda: parse which targets, forecast them against the invocation's remaining time (its
 * 300 s timeout: a run that reaches it would be retried from the same head, and the same tail never
 * predicted), return what each got.
 */
export function predictFunction(options: PredictRuntimeOptions = {}) {
  const { logger, metrics } = lambdaTelemetry('predict');
  const deps = predictRuntimeFromEnv(
    {
      recordFailed: recordFailureMetrics(metrics),
      deferredTargets: deferredTargetsMetric(metrics),
      ...options,
    },
    logger as Logger,
  );
  return middy(async (event: unknown, context: Context) => {
    let request: ReturnType<typeof parsePredictEvent>;
    try {
      request = parsePredictEvent(event);
    } catch (error) {
      deps.log.error('event refused', { error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
    const deadline = { remainingMs: () => context.getRemainingTimeInMillis() };
    const predictions = await predictTargets({ ...deps, deadline }, request);
    for (const p of predictions) deps.log.info('prediction', { ...p.decision });
    return predictions.map((p) => ({
      target: p.decision.target,
      reason: p.decision.reason,
      message: p.decision.message,
      floorNow: p.decision.desired,
      scheduledActions: p.scheduledActions?.length,
      trusted: p.trusted,
      ...(p.mase !== undefined ? { mase: p.mase } : {}),
    }));
  }).use(injectLambdaContext(logger));
}
