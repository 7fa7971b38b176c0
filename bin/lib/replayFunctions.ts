import type { Context } from 'aws-lambda';
import { capacityPortByKind } from '../../shared/adapters/capacityPorts';
import { costFunction } from '../../shared/lambda/costFunction';
import { predictFunction } from '../../shared/lambda/predictFunction';
import { scalerFunction } from '../../shared/lambda/scalerFunction';
import type { TargetKind } from '../../shared/policy/schema';
import { functionByKind } from '../../shared/policy/targetResource';
import type { Evaluation } from '../../shared/usecases/evaluateTargets';
import { COST_FUNCTION, type LocalAccount, PREDICT_FUNCTION } from './localAccount';
import { preloadCosts } from './localCosts';
import type { PredictOutcome, ReplayedDecision, ReplayOptions, VirtualClock } from './replay';
import { lambdaContext, scheduleEvent } from './replayEvents';

type Handler = (event: unknown, context: Context) => Promise<Evaluation[]>;
type Callbacks = Pick<ReplayOptions, 'plan' | 'onDecision' | 'onError' | 'onPrediction' | 'onCostCheck'>;

/**
 * The deployed functions' handlers, run in-process (Lambda Invoke in moto needs Docker) with the virtual
 * clock, each invoked as its trigger would: the scalers by alarm and by the one-minute schedule, predict
 * hourly (when a plan is played), the cost function on its schedules. A handler's error is reported, not
 * thrown: the next minute runs as Lambda's next invocation would.
 */
export class ReplayFunctions {
  readonly decisions: ReplayedDecision[] = [];
  private readonly scalers = new Map<string, Handler>();
  private readonly predict?: ReturnType<typeof predictFunction>;
  private readonly cost?: ReturnType<typeof costFunction>;

  constructor(
    private readonly local: LocalAccount,
    clock: VirtualClock,
    private readonly callbacks: Callbacks,
  ) {
    const { policy, emulator } = local;
    for (const [kind, fn] of Object.entries(functionByKind) as [TargetKind, string][]) {
      const deployed = local.functions.get(fn);
      if (!deployed) continue;
      const runtime = { env: deployed.env, policy, aws: emulator.aws, clock };
      this.scalers.set(
        fn,
        scalerFunction(kind, capacityPortByKind[kind], runtime, { emf: false }) as unknown as Handler,
      );
    }
    const predict = callbacks.plan ? local.functions.get(PREDICT_FUNCTION) : undefined;
    if (predict) this.predict = predictFunction({ env: predict.env, policy, aws: emulator.aws, clock });
    const cost = local.functions.get(COST_FUNCTION);
    if (cost && policy.cost) this.cost = costFunction({ env: cost.env, policy, aws: emulator.aws, clock });
  }

  /** One scaler invoked with an event; its evaluations kept and reported. */
  async invoke(
    fn: string,
    event: unknown,
    minute: number,
    meta: Omit<ReplayedDecision, 'evaluation' | 'minute' | 'functionName'>,
  ): Promise<void> {
    const handler = this.scalers.get(fn);
    const deployed = this.local.functions.get(fn);
    if (!handler || !deployed) return;
    try {
      for (const evaluation of await handler(event, lambdaContext(deployed.name, deployed.arn))) {
        const d = { minute, functionName: fn, ...meta, evaluation };
        this.decisions.push(d);
        this.callbacks.onDecision?.(d);
      }
    } catch (error) {
      this.callbacks.onError?.(fn, error, minute);
    }
  }

  /** One schedule rule per scaler: they run side by side, as the Lambdas do. */
  async schedule(now: number, minute: number): Promise<void> {
    const event = scheduleEvent(this.local, now);
    await Promise.all(
      [...this.scalers.keys()].map((fn) => this.invoke(fn, event, minute, { trigger: 'schedule' })),
    );
  }

  /** predict's hourly schedule, and a first run as the replay starts (the stack was just deployed). */
  async predictIfDue(now: number, minute: number): Promise<void> {
    const deployed = this.local.functions.get(PREDICT_FUNCTION);
    if (!this.predict || !deployed || !(minute === 1 || now % 3_600_000 === 0)) return;
    try {
      const outcomes = (await this.predict(
        scheduleEvent(this.local, now),
        // Its own timeout (5 minutes): a forecast over the lookback is slow on a busy emulator.
        lambdaContext(deployed.name, deployed.arn, deployed.timeoutSeconds * 1000),
      )) as PredictOutcome[];
      this.callbacks.onPrediction?.(outcomes, minute);
    } catch (error) {
      this.callbacks.onError?.(PREDICT_FUNCTION, error, minute);
    }
  }

  /** The cost function's schedules: cron(0 8 * * ? *) daily, and rate(1 hour) for the forecast if asked. */
  async costIfDue(now: number, minute: number): Promise<void> {
    const deployed = this.local.functions.get(COST_FUNCTION);
    if (!this.cost || !deployed) return;
    const at = new Date(now);
    const check =
      at.getUTCHours() === 8 && at.getUTCMinutes() === 0
        ? 'daily'
        : this.local.policy.cost?.hourlyForecast && at.getUTCMinutes() === 0
          ? 'forecast'
          : undefined;
    if (!check) return;
    try {
      await preloadCosts(this.local.emulator, this.local.policy, at);
      const run = await this.cost({ check }, lambdaContext(deployed.name, deployed.arn));
      this.callbacks.onCostCheck?.(check, run.notes, run.alerts, minute);
    } catch (error) {
      this.callbacks.onError?.(COST_FUNCTION, error, minute);
    }
  }
}
