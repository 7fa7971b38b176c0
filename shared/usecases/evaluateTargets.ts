import { backoffUntil } from '../decision/backoff';
import { decideCapacity } from '../decision/decideCapacity';
import { floorAt } from '../decision/floors';
import { desiredCapacityModel, type GateOutcome, type KindAction } from '../decision/kindModel';
import { historySeconds, nextHistory, withAppliedChange, withoutChange } from '../decision/nextHistory';
import { reconcileIntent } from '../decision/reconcileIntent';
import { lookbackSeconds, meanPerPeriod } from '../decision/ruleReadings';
import type { CapacityState, Decision, MetricReading, PendingIntent, ReasonCode } from '../decision/types';
import { LeaseLostError, RequestRefusedError, ScalingError } from '../errors';
import type { Policy, Target, TargetKind } from '../policy/schema';
import { metricDimensions } from '../policy/targetResource';
import type {
  CapacityPort,
  Clock,
  DecisionContext,
  KindScaler,
  Lease,
  Ledger,
  MetricQuery,
  MetricsReader,
  Notifier,
  PauseSwitch,
  TargetRecord,
} from '../ports';

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
  /** An operation failed; with `target`, that target's evaluation failed (the `TargetFailures` alarm counts these). */
  failed(operation: string, target?: string): void;
}

export interface EvaluateDeps {
  readonly policy: Policy;
  readonly kind: TargetKind;
  /** The kind's AWS side and model; a plain CapacityPort is a kind with no gates of its own (groups). */
  readonly capacity: CapacityPort | KindScaler<unknown>;
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
  /** The kill switch; absent: never paused. */
  readonly pause?: PauseSwitch;
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

/** Raised after all targets were evaluated when some could not even record their failure; `cause` holds them. */
export class EvaluationFailedError extends ScalingError {
  constructor(readonly failures: readonly { target: string; error: unknown }[]) {
    super(
      `evaluation failed for ${failures.map((f) => `"${f.target}": ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { cause: failures.map((f) => f.error) },
    );
  }
}

/** A write-ahead intent needs the lease to outlive the AWS call it precedes by this much. */
const INTENT_MARGIN_SECONDS = 15;

/**
 * The reconcile loop of one resource kind (level-triggered: the event only says which targets to look at).
 * One batched metric read, then each target on its own: a target that fails (its resource deleted, a
 * describe denied, the action refused) is recorded (`DescribeFailed` / `ActionFailed`), counted and backed
 * off, and the others are evaluated as usual; the run fails only when a failure cannot even be recorded.
 * Per target: lease (with a fencing token), state and ledger read under it, an unfinished intent
 * reconciled first, the pure decision, the intent written ahead, at most one change, the record (which
 * clears the intent), the notification. A `plan` only reads.
 */
export async function evaluateTargets(deps: EvaluateDeps, request: EvaluationRequest): Promise<Evaluation[]> {
  const targets = selectTargets(deps.policy, deps.kind, request.targets);
  const now = deps.clock.now();
  const evaluations: Evaluation[] = [];
  const unrecorded: { target: string; error: unknown }[] = [];
  const guarded = async (target: Target, work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      deps.log.error('evaluation could not be recorded', {
        target: target.name,
        error: describeError(error),
      });
      deps.decisionMetrics?.failed('record', target.name);
      unrecorded.push({ target: target.name, error });
    }
  };

  // First look at every target (ledger, then the resource), so the one metric read can ask for what the
  // kind needs given what it saw (the available replicas' own metrics).
  const paused = await isPaused(deps, now);
  const looks: FirstLook[] = [];
  for (const target of targets)
    await guarded(target, async () => void looks.push(await firstLook(deps, target, now)));
  const readings = await readMetrics(deps, looks, now);

  for (const look of looks) {
    const targetReadings = readings.get(look.target.name) ?? { combined: {}, raw: {} };
    await guarded(look.target, async () => {
      evaluations.push(
        ...(request.trigger === 'plan'
          ? await planOne(deps, look, targetReadings, now)
          : await evaluateOne(deps, request, look, targetReadings, paused)),
      );
    });
  }
  if (unrecorded.length > 0) throw new EvaluationFailedError(unrecorded);
  return evaluations;
}

/** What an evaluation knows of a target before its lease: its ledger record and a first observation. */
interface FirstLook {
  readonly target: Target;
  readonly record: TargetRecord;
  /** Backed off after failures: not observed at all. */
  readonly backedOff: boolean;
  readonly observation?: unknown;
  readonly error?: unknown;
}

/** A rule's series as the decision reads them, and each metric's own series as the kind's gates may. */
interface TargetReadings {
  readonly combined: Record<string, MetricReading[]>;
  readonly raw: Record<string, MetricReading[][]>;
}

async function firstLook(deps: EvaluateDeps, target: Target, now: Date): Promise<FirstLook> {
  const record = await deps.ledger.read(target.name);
  if (record.backoffUntil && now < record.backoffUntil) return { target, record, backedOff: true };
  try {
    return {
      target,
      record,
      backedOff: false,
      observation: await kindScaler(deps.capacity).resource.observe(target),
    };
  } catch (error) {
    return { target, record, backedOff: false, error };
  }
}

async function planOne(
  deps: EvaluateDeps,
  look: FirstLook,
  readings: TargetReadings,
  now: Date,
): Promise<Evaluation[]> {
  const dryRun = true;
  const { target, record, observation } = look;
  const { model } = kindScaler(deps.capacity);
  if (observation === undefined)
    return [
      {
        decision: failureDecision(target, 'DescribeFailed', look.error ?? 'backed off'),
        applied: false,
        dryRun,
      },
    ];
  const state = model.capacity(target, observation, now, readings.raw);
  if (record.intent) {
    const settlement = model.settle(target, record.intent, observation, now);
    if (settlement.status === 'in-flight' || settlement.status === 'failed')
      return [{ decision: reconcileIntent(target, record.intent, settlement), applied: false, dryRun }];
  }
  const history =
    record.intent && !record.intent.recorded
      ? withAppliedChange(record.history, record.intent, now, historySeconds(target))
      : record.history;
  const decision = decideCapacity(
    decisionInput(deps, target, state, readings.combined, { ...record, history }, now),
  );
  const gated = gatedDecision(
    decision,
    model.gate({ target, decision, observation, history, metrics: readings.raw, now }),
  );
  return [{ decision: gated.decision, applied: false, dryRun }];
}

async function evaluateOne(
  deps: EvaluateDeps,
  request: EvaluationRequest,
  look: FirstLook,
  readings: TargetReadings,
  paused: boolean,
): Promise<Evaluation[]> {
  const { target, record: before } = look;
  const { ledger } = deps;
  const now = deps.clock.now();
  const dryRun = target.dryRun ?? deps.policy.dryRun;
  const context: Omit<DecisionContext, 'applied'> = {
    trigger: request.trigger,
    now,
    dryRun,
    ...(request.alarmName ? { alarmName: request.alarmName } : {}),
  };
  const skip = async (decision: Decision, state?: CapacityState): Promise<Evaluation[]> => {
    await ledger.record(decision, { ...context, applied: false });
    report(deps, decision, false, dryRun, request, state);
    return [{ decision, applied: false, dryRun }];
  };

  if (look.backedOff && before.backoffUntil) {
    return skip({
      ...emptyDecision(target, 'BackedOff'),
      message: `${before.failures} failed evaluation(s) in a row: next attempt after ${before.backoffUntil.toISOString()}`,
    });
  }
  const failed = async (reason: 'DescribeFailed' | 'ActionFailed', error: unknown, lease?: Lease) => {
    // AWS refused the call: the operation written ahead of it never started (issue 21).
    const refused = reason === 'ActionFailed' && error instanceof RequestRefusedError;
    // A failed action is told once, and again only after the target acted or decided otherwise (issue 21).
    const tell = reason === 'ActionFailed' && before.lastNotice !== reason;
    const failures = before.failures + 1;
    const until = backoffUntil(failures, now);
    const failure = failureDecision(target, reason, error);
    const decision = {
      ...failure,
      message: `${failure.message}; attempt ${failures}, next after ${until.toISOString()}`,
    };
    deps.log.error('target failed', { target: target.name, reason, error: describeError(error) });
    deps.decisionMetrics?.failed(reason === 'DescribeFailed' ? 'describe' : 'act', target.name);
    await ledger.record(
      decision,
      { ...context, applied: false },
      {
        ...(lease ? { lease } : {}),
        failures: { count: failures, backoffUntil: until },
        ...(refused ? { clearIntent: true } : {}),
        ...(reason === 'ActionFailed' ? { lastNotice: reason } : {}),
      },
    );
    report(deps, decision, false, dryRun, request);
    if (tell) await deps.notifier.capacityChanged({ decision, dryRun, at: now });
    return [{ decision, applied: false, dryRun }];
  };

  const { resource, model } = kindScaler(deps.capacity);
  if (look.observation === undefined) return failed('DescribeFailed', look.error);
  const firstLook = model.capacity(target, look.observation, now);

  const lease = await ledger.acquireLease(target.name, deps.owner, now, deps.leaseSeconds ?? 60);
  if (!lease) {
    return skip(
      {
        ...emptyDecision(target, 'LeaseHeld', firstLook.current),
        message: `another evaluation holds the lease on ${target.name}; it will decide`,
      },
      firstLook,
    );
  }
  try {
    // The ledger is read again under the lease. When it shows that no evaluation acted or recorded a
    // change since the first look, that look's observation still holds (no second round of describes);
    // otherwise the resource is read again, so a change a concurrent evaluation made is seen.
    let observation: unknown = look.observation;
    let record: TargetRecord;
    try {
      record = await ledger.read(target.name);
      if (!sameActivity(before, record)) observation = await resource.observe(target);
    } catch (error) {
      // Awaited: a bare `return` would leave the record's rejection (a lease lost) unhandled while the
      // `finally` releases the lease, and miss the LeaseLostError catch below.
      return await failed('DescribeFailed', error, lease);
    }
    const state = model.capacity(target, observation, now, readings.raw);
    const keep = historySeconds(target);
    const evaluations: Evaluation[] = [];
    let history = record.history;

    // An operation written ahead comes first: settled, reconciled, or still running (then nothing new).
    if (record.intent) {
      const intent = record.intent;
      const settlement = model.settle(target, intent, observation, now);
      const decision = reconcileIntent(target, intent, settlement);
      const newlyApplied =
        !intent.recorded && settlement.status !== 'not-applied' && settlement.status !== 'failed';
      if (newlyApplied) history = withAppliedChange(history, intent, now, keep);
      if (settlement.status === 'failed') {
        const failures = record.failures + 1;
        await ledger.record(
          decision,
          { ...context, applied: false },
          {
            lease,
            clearIntent: true,
            // A change AWS gave up on counts for no cooldown or rate limit (the backoff spaces the retry).
            ...(intent.recorded ? { history: withoutChange(history, intent) } : {}),
            failures: { count: failures, backoffUntil: backoffUntil(failures, now) },
          },
        );
        deps.decisionMetrics?.failed('operation', target.name);
        report(deps, decision, false, dryRun, request, state);
        await deps.notifier.capacityChanged({ decision, dryRun, at: now });
        return [{ decision, applied: false, dryRun }];
      }
      const running = settlement.status === 'in-flight';
      await ledger.record(
        decision,
        { ...context, applied: newlyApplied },
        running ? { lease, history, intentRecorded: true } : { lease, history, clearIntent: true },
      );
      report(deps, decision, newlyApplied, dryRun, request, state);
      // The holder that made the change stopped before telling anyone.
      if (newlyApplied) await deps.notifier.capacityChanged({ decision, dryRun, at: now });
      evaluations.push({ decision, applied: newlyApplied, dryRun });
      if (running) return evaluations;
    }

    const generic = decideCapacity(
      decisionInput(deps, target, state, readings.combined, { ...record, history }, now),
    );
    const gated = gatedDecision(
      generic,
      model.gate({ target, decision: generic, observation, history, metrics: readings.raw, now }),
    );
    const {
      decision: chosen,
      action,
      notify,
    } = paused && gated.action ? pausedDecision(gated.decision) : gated;
    const change = chosen.desired !== chosen.current;
    // A change of capacity, or an operation that changes none but runs for minutes (a replica count).
    const operation = action !== undefined && (change || action.pending === true);
    const applied = operation && !dryRun;
    const next = nextHistory(history, chosen, now, applied, keep);
    const healthy = { count: 0 };
    let note: Awaited<ReturnType<typeof resource.act>>;
    /** The decision as recorded: with what the action had to say (a fallback placement it took). */
    const noted = (): Decision => (note ? { ...chosen, message: `${chosen.message}; ${note.note}` } : chosen);

    if (action && !dryRun && !operation) {
      // A preparing step (a replica tagged for draining): idempotent, changes no capacity, needs no intent.
      try {
        note = await resource.act(target, action, observation);
      } catch (error) {
        return [...evaluations, ...(await failed('ActionFailed', error, lease))];
      }
    }
    if (applied && action) {
      const intent: PendingIntent = {
        id: `${lease.owner}#${lease.token}`,
        from: chosen.current,
        to: chosen.desired,
        at: now,
        token: lease.token,
        reason: chosen.reason,
        action,
      };
      await ledger.writeIntent(lease, intent, deps.clock.now(), INTENT_MARGIN_SECONDS);
      try {
        note = await resource.act(target, action, observation);
      } catch (error) {
        // The intent stays: whether a failed (or timed-out) call took effect is for the next evaluation's
        // observation to say. The failure itself is recorded and backs the target off.
        return [...evaluations, ...(await failed('ActionFailed', error, lease))];
      }
      const decision = noted();
      await ledger.record(
        decision,
        { ...context, applied },
        {
          lease,
          history: next,
          failures: healthy,
          // The change went through: a failure told before is over, the next one is told again (issue 21).
          lastNotice: null,
          ...(model.settlesAtOnce ? { clearIntent: true } : { intentRecorded: true }),
        },
      );
      report(deps, decision, applied, dryRun, request, state);
      await deps.notifier.capacityChanged({ decision, dryRun, at: now });
      return [...evaluations, { decision, applied, dryRun }];
    }

    // A dry run's would-be change, and a skip the kind says is worth telling, are told when they first
    // appear (and again when they change), not every minute they stay the same.
    const decision = noted();
    const notice =
      change && dryRun
        ? `dry run ${decision.current}→${decision.desired}`
        : notify
          ? `${decision.reason}`
          : null;
    const tell = notice !== null && notice !== record.lastNotice;
    await ledger.record(
      decision,
      { ...context, applied },
      { lease, history: next, failures: healthy, lastNotice: notice },
    );
    report(deps, decision, applied, dryRun, request, state);
    if (tell) await deps.notifier.capacityChanged({ decision, dryRun, at: now });
    return [...evaluations, { decision, applied, dryRun }];
  } catch (error) {
    if (error instanceof LeaseLostError) {
      // Someone else holds the target now: it decides; this evaluation writes and does nothing more.
      deps.log.warn('lease lost', { target: target.name, token: lease.token });
      return [
        {
          decision: {
            ...emptyDecision(target, 'LeaseHeld', firstLook.current),
            message: `lease ${lease.token} on ${target.name} expired before acting; the next holder decides`,
          },
          applied: false,
          dryRun,
        },
      ];
    }
    throw error;
  } finally {
    await ledger.releaseLease(lease);
  }
}

/** A plain CapacityPort is the kind with no gates of its own: one desired capacity, set in one call. */
export function kindScaler(capacity: CapacityPort | KindScaler<unknown>): KindScaler<unknown> {
  if ('model' in capacity) return capacity;
  return {
    resource: {
      observe: (target) => capacity.describe(target),
      act: (target, action, state) =>
        capacity.setCapacity(target, action.desired, (state as CapacityState).current),
    },
    model: desiredCapacityModel as KindScaler<unknown>['model'],
  };
}

/** The target's current capacity as its kind reads it (for skips that decide nothing). */
export async function currentCapacity(
  capacity: CapacityPort | KindScaler<unknown>,
  target: Target,
  now: Date,
): Promise<number> {
  const { resource, model } = kindScaler(capacity);
  return model.capacity(target, await resource.observe(target), now).current;
}

/**
 * The kill switch is read once per run. A switch that cannot be read is logged and counted, and scaling
 * goes on: an SSM outage must not freeze every fleet at its current size during a spike.
 */
async function isPaused(deps: EvaluateDeps, now: Date): Promise<boolean> {
  if (!deps.pause) return false;
  try {
    return await deps.pause.isPaused(now);
  } catch (error) {
    deps.log.error('kill switch unreadable: not paused', { error: describeError(error) });
    deps.decisionMetrics?.failed('pause-switch');
    return false;
  }
}

/** What a paused stage records instead of acting: the decision it would have carried out. */
function pausedDecision(decision: Decision): { decision: Decision; action?: KindAction; notify?: boolean } {
  const would =
    decision.desired === decision.current
      ? decision.reason
      : `${decision.reason} ${decision.current} → ${decision.desired}`;
  return {
    decision: {
      ...decision,
      desired: decision.current,
      direction: 'none',
      reason: 'Paused',
      message: `${decision.message}; paused by the kill switch: not carrying out ${would}`,
    },
  };
}

/**
 * Whether the ledger shows no evaluation acting or recording a change between two reads of a target:
 * the same unfinished operation (or none), the same last scale times, the same changes.
 */
function sameActivity(before: TargetRecord, now: TargetRecord): boolean {
  const time = (d: Date | undefined) => d?.getTime();
  return (
    before.intent?.id === now.intent?.id &&
    before.intent?.recorded === now.intent?.recorded &&
    time(before.history.lastScaleOutAt) === time(now.history.lastScaleOutAt) &&
    time(before.history.lastScaleInAt) === time(now.history.lastScaleInAt) &&
    before.history.changes.length === now.history.changes.length
  );
}

/** The generic decision as the kind's gates leave it, with the one action to carry out, if any. */
function gatedDecision(
  generic: Decision,
  outcome: GateOutcome,
): { decision: Decision; action?: KindAction; notify?: boolean } {
  if ('skip' in outcome)
    return {
      decision: {
        ...generic,
        desired: generic.current,
        direction: 'none',
        reason: outcome.skip,
        message: `${generic.message}; ${outcome.message}`,
      },
      ...(outcome.notify ? { notify: true } : {}),
    };
  if ('reason' in outcome) {
    const desired = outcome.act.desired;
    return {
      decision: {
        ...generic,
        desired,
        direction: desired > generic.current ? 'out' : desired < generic.current ? 'in' : 'none',
        reason: outcome.reason,
        message: `${generic.message}; ${outcome.message}`,
      },
      action: outcome.act,
    };
  }
  return { decision: generic, ...(outcome.act ? { action: outcome.act } : {}) };
}

function decisionInput(
  deps: EvaluateDeps,
  target: Target,
  state: CapacityState,
  readings: Record<string, MetricReading[]>,
  record: Pick<TargetRecord, 'floors'> & { history: TargetRecord['history'] },
  now: Date,
) {
  const { predictive } = deps.policy;
  const acts = predictive.enabled && predictive.mode === 'forecast-and-scale' && target.predictive;
  const floor = acts ? floorAt(record.floors, now) : undefined;
  return {
    target,
    policyMaxUnitsPerDecision: deps.policy.maxUnitsPerDecision,
    state,
    readings,
    history: record.history,
    ...(floor ? { floor } : {}),
    now,
  };
}

function report(
  deps: EvaluateDeps,
  decision: Decision,
  applied: boolean,
  dryRun: boolean,
  request: EvaluationRequest,
  state?: CapacityState,
) {
  deps.decisionMetrics?.decided(decision, applied, state);
  deps.log.info('decision', { ...decision, applied, dryRun, trigger: request.trigger });
}

/** A decision that changes nothing, for the paths that decide nothing (capacity unknown: 0). */
function emptyDecision(target: Target, reason: ReasonCode, current = 0): Decision {
  return {
    target: target.name,
    kind: target.kind,
    current,
    desired: current,
    recommendation: current,
    direction: 'none',
    reason,
    message: '',
    metrics: {},
  };
}

function failureDecision(
  target: Target,
  reason: 'DescribeFailed' | 'ActionFailed',
  error: unknown,
): Decision {
  const what = reason === 'DescribeFailed' ? 'cannot read' : 'could not change';
  return {
    ...emptyDecision(target, reason),
    message: `${what} ${target.name}: ${error instanceof Error ? error.message : String(error)}`,
  };
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

/**
 * One batched read for every rule of every target looked at, reaching back over the longest evaluation
 * window; the kind may ask for several metrics per rule (one per available replica), combined into the
 * series the decision reads. A failed batch only leaves its own targets without metrics (they hold:
 * missing metrics never scale in).
 */
async function readMetrics(deps: EvaluateDeps, looks: readonly FirstLook[], now: Date) {
  const { model } = kindScaler(deps.capacity);
  const queries: MetricQuery[] = [];
  const owner = new Map<string, { target: string; rule: string }>();
  const observed = looks.filter((l) => l.observation !== undefined);
  for (const { target, observation } of observed) {
    for (const rule of target.rules) {
      const metrics = model.metricsFor
        ? model.metricsFor(target, rule, observation)
        : [{ ...rule.metric, dimensions: metricDimensions(target, rule.metric.dimensions) }];
      for (const metric of metrics) {
        const id = `q${queries.length}`;
        owner.set(id, { target: target.name, rule: rule.name });
        queries.push({ id, metric });
      }
    }
  }
  const lookback = Math.max(
    600,
    ...observed.flatMap(({ target }) => target.rules.map((r) => lookbackSeconds(target, r))),
  );
  const read =
    queries.length > 0
      ? await deps.metrics.recent(queries, now, lookback)
      : { values: new Map<string, readonly MetricReading[]>(), failures: [] };
  for (const failure of read.failures) {
    const affected = [...new Set(failure.ids.map((id) => owner.get(id)?.target))];
    deps.log.error('metric read failed', { targets: affected, error: describeError(failure.error) });
    deps.decisionMetrics?.failed('metrics');
  }
  const raw = new Map<string, Record<string, MetricReading[][]>>();
  for (const [id, where] of owner) {
    const byRule = raw.get(where.target) ?? {};
    byRule[where.rule] = [...(byRule[where.rule] ?? []), [...(read.values.get(id) ?? [])]];
    raw.set(where.target, byRule);
  }
  const byTarget = new Map<string, TargetReadings>();
  for (const { target } of observed) {
    const series = raw.get(target.name) ?? {};
    const combined: Record<string, MetricReading[]> = {};
    for (const rule of target.rules) {
      const ofRule = series[rule.name] ?? [];
      combined[rule.name] =
        ofRule.length === 1
          ? (ofRule[0] ?? [])
          : model.combine
            ? model.combine(target, rule, ofRule)
            : meanPerPeriod(ofRule);
    }
    byTarget.set(target.name, { combined, raw: series });
  }
  return byTarget;
}

function describeError(error: unknown) {
  return error instanceof Error ? { name: error.name, message: error.message } : { message: String(error) };
}
