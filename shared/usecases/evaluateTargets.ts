import { decideCapacity } from '../decision/decideCapacity';
import type { CapacityState, Decision, MetricReading } from '../decision/types';
import { ScalingError } from '../errors';
import type { Policy, Target, TargetKind } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';
import type { CapacityPort, Clock, Ledger, MetricQuery, MetricsReader, Notifier } from '../ports';

/** Structured logging, as Powertools' Logger offers it. */
export interface LogSink {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Operational metrics (EMF in Lambda): decisions by reason, actions, errors. */
export interface DecisionMetrics {
  /** `state` is the resource as read for the decision (absent when the decision read none). */
  decided(decision: Decision, applied: boolean, state?: CapacityState): void;
  failed(operation: string): void;
}

export interface EvaluateDeps {
  readonly policy: Policy;
  readonly kind: TargetKind;
  readonly capacity: CapacityPort;
  readonly metrics: MetricsReader;
  readonly ledger: Ledger;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: LogSink;
  readonly decisionMetrics?: DecisionMetrics;
  /** Identifies this evaluation as lease owner (the Lambda request id). */
  readonly owner: string;
  /** How long a lease lasts; longer than one evaluation takes, short enough that a crash heals quickly. */
  readonly leaseSeconds?: number;
}

export interface EvaluationRequest {
  readonly trigger: 'alarm' | 'schedule' | 'plan';
  /** Target names to evaluate; every target of the kind when omitted. */
  readonly targets?: readonly string[];
  readonly alarmName?: string;
}

/** One target's outcome. */
export interface Evaluation {
  readonly decision: Decision;
  readonly applied: boolean;
  readonly dryRun: boolean;
}

/** Raised after all targets were evaluated when some of them failed; `cause` holds the failures. */
export class EvaluationFailedError extends ScalingError {
  constructor(readonly failures: readonly { target: string; error: unknown }[]) {
    super(
      `evaluation failed for ${failures.map((f) => `"${f.target}": ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { cause: failures.map((f) => f.error) },
    );
  }
}

/**
 * The reconcile loop of one resource kind (level-triggered: the event only says which targets to look at).
 * Reads every target first (one batched metric read, then each resource), so a target that does not exist
 * fails before anything is written. Then per target: lease, fresh state and history under the lease, the
 * pure decision, at most one change, the record, the notification. A `plan` only reads.
 */
export async function evaluateTargets(deps: EvaluateDeps, request: EvaluationRequest): Promise<Evaluation[]> {
  const { policy, log } = deps;
  const targets = selectTargets(policy, deps.kind, request.targets);
  const now = deps.clock.now();
  const readings = await readMetrics(deps.metrics, targets, now);

  const failures: { target: string; error: unknown }[] = [];
  const described = new Map<string, CapacityState>();
  for (const target of targets) {
    try {
      described.set(target.name, await deps.capacity.describe(target));
    } catch (error) {
      log.error('cannot read target', { target: target.name, error: describeError(error) });
      deps.decisionMetrics?.failed('describe');
      failures.push({ target: target.name, error });
    }
  }

  const evaluations: Evaluation[] = [];
  for (const target of targets) {
    const firstLook = described.get(target.name);
    if (!firstLook) continue;
    try {
      const evaluation =
        request.trigger === 'plan'
          ? await planOne(deps, target, firstLook, readings.get(target.name) ?? {}, now)
          : await evaluateOne(deps, request, target, readings.get(target.name) ?? {});
      evaluations.push(evaluation);
    } catch (error) {
      log.error('evaluation failed', { target: target.name, error: describeError(error) });
      deps.decisionMetrics?.failed('evaluate');
      failures.push({ target: target.name, error });
    }
  }
  if (failures.length > 0) throw new EvaluationFailedError(failures);
  return evaluations;
}

async function planOne(
  deps: EvaluateDeps,
  target: Target,
  state: CapacityState,
  readings: Record<string, MetricReading | undefined>,
  now: Date,
): Promise<Evaluation> {
  const history = await deps.ledger.history(target.name);
  const decision = decideCapacity({
    target,
    policyMaxUnitsPerDecision: deps.policy.maxUnitsPerDecision,
    state,
    readings,
    history,
    now,
  });
  return { decision, applied: false, dryRun: true };
}

async function evaluateOne(
  deps: EvaluateDeps,
  request: EvaluationRequest,
  target: Target,
  readings: Record<string, MetricReading | undefined>,
): Promise<Evaluation> {
  const { ledger, log } = deps;
  const now = deps.clock.now();
  const dryRun = target.dryRun ?? deps.policy.dryRun;
  const context = {
    trigger: request.trigger,
    now,
    dryRun,
    ...(request.alarmName ? { alarmName: request.alarmName } : {}),
  };

  if (!(await ledger.acquireLease(target.name, deps.owner, now, deps.leaseSeconds ?? 60))) {
    const state = await deps.capacity.describe(target);
    const decision: Decision = {
      target: target.name,
      kind: target.kind,
      current: state.current,
      desired: state.current,
      recommendation: state.current,
      direction: 'none',
      reason: 'LeaseHeld',
      message: `another evaluation holds the lease on ${target.name}; it will decide`,
      metrics: {},
    };
    await ledger.record(decision, { ...context, applied: false });
    deps.decisionMetrics?.decided(decision, false, state);
    log.info('decision', { ...decision });
    return { decision, applied: false, dryRun };
  }
  try {
    // State and history are read under the lease, so a change made by a concurrent evaluation is seen.
    const [state, history] = await Promise.all([deps.capacity.describe(target), ledger.history(target.name)]);
    const decision = decideCapacity({
      target,
      policyMaxUnitsPerDecision: deps.policy.maxUnitsPerDecision,
      state,
      readings,
      history,
      now,
    });
    const change = decision.desired !== decision.current;
    const applied = change && !dryRun;
    if (applied) await deps.capacity.setCapacity(target, decision.desired, decision.current);
    await ledger.record(decision, { ...context, applied });
    deps.decisionMetrics?.decided(decision, applied, state);
    log.info('decision', { ...decision, applied, dryRun, trigger: request.trigger });
    if (change) await deps.notifier.capacityChanged({ decision, dryRun, at: now });
    return { decision, applied, dryRun };
  } finally {
    await ledger.releaseLease(target.name, deps.owner);
  }
}

function selectTargets(policy: Policy, kind: TargetKind, names: readonly string[] | undefined): Target[] {
  const ofKind = policy.targets.filter((t) => t.kind === kind);
  if (!names) return ofKind;
  return names.map((name) => {
    const target = ofKind.find((t) => t.name === name);
    if (!target) throw new ScalingError(`target "${name}" is not a ${kind} target of the policy`);
    return target;
  });
}

async function readMetrics(reader: MetricsReader, targets: readonly Target[], now: Date) {
  const queries: MetricQuery[] = [];
  const owner = new Map<string, { target: string; rule: string }>();
  for (const target of targets) {
    for (const rule of target.rules) {
      const id = `q${queries.length}`;
      owner.set(id, { target: target.name, rule: rule.name });
      queries.push({
        id,
        metric: { ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) },
      });
    }
  }
  const lookback = Math.max(600, ...targets.map((t) => t.metricStaleAfterSeconds + 120));
  const values = queries.length > 0 ? await reader.latest(queries, now, lookback) : new Map();
  const byTarget = new Map<string, Record<string, MetricReading | undefined>>();
  for (const [id, where] of owner) {
    const readings = byTarget.get(where.target) ?? {};
    readings[where.rule] = values.get(id);
    byTarget.set(where.target, readings);
  }
  return byTarget;
}

function describeError(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}
