import type { CapacityState, Decision, ReasonCode } from '../../decision/types';
import type { Target } from '../../policy/schema';
import { describeError } from './describeError';
import type { QueuedNotice } from './rollUpNotices';
import type {
  EvaluateDeps,
  Evaluation,
  EvaluationRequest,
  PlanMembership,
  RunContext,
  RunSummary,
} from './types';

/**
 * One run of the walk: what it decided, what it could not record, and its counts. Each step adds to it; the
 * last one reports it.
 */
export class EvaluationRun {
  readonly evaluations: Evaluation[] = [];
  readonly unrecorded: { target: string; error: unknown }[] = [];
  /** Notices queued by the batch under way, sent when it is done. */
  readonly notices: QueuedNotice[] = [];
  /** The batch under way's targets that are plan members, with their plans (readPlans.ts). */
  plans = new Map<string, PlanMembership>();
  private readonly startedAt = Date.now();
  targets = 0;
  deferred = 0;
  fannedOut = 0;
  /**
   * Targets of a batch under way that were about to act when the deadline came: not started (their leases given
   * back), deferred with the batches the run did not reach, and first in line for the next run.
   */
  readonly late: Target[] = [];

  constructor(
    readonly deps: EvaluateDeps,
    readonly request: EvaluationRequest,
    readonly now: Date,
  ) {}

  /** The target's own dry-run flag, or the policy's. */
  dryRun(target: Target): boolean {
    return target.dryRun ?? this.deps.policy.dryRun;
  }

  context(target: Target, now = this.now): RunContext {
    return {
      trigger: this.request.trigger,
      now,
      dryRun: this.dryRun(target),
      ...(this.request.alarmName ? { alarmName: this.request.alarmName } : {}),
    };
  }

  /** Adds a recorded decision to the run's outcome: logged, and counted in the metrics. */
  recorded(decision: Decision, applied: boolean, dryRun: boolean, state?: CapacityState): Evaluation {
    this.deps.decisionMetrics?.decided(decision, applied, state);
    this.deps.log.info('decision', { ...decision, applied, dryRun, trigger: this.request.trigger });
    const evaluation = { decision, applied, dryRun };
    this.evaluations.push(evaluation);
    return evaluation;
  }

  /** An outcome that was not recorded (the lease was lost before it could be). */
  unrecordedOutcome(evaluation: Evaluation): void {
    this.evaluations.push(evaluation);
  }

  /**
   * Runs one step for some targets; a failure there (a ledger write that failed for good) is theirs: logged,
   * counted, and the run goes on with the others, to fail at the end (Lambda retries it).
   */
  async guard(targets: readonly string[], work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      for (const target of targets) {
        this.deps.log.error('evaluation could not be recorded', { target, error: describeError(error) });
        this.deps.decisionMetrics?.failed('record', target);
        this.unrecorded.push({ target, error });
      }
    }
  }

  summary(): RunSummary {
    const counted = new Set<ReasonCode>(['Deferred']);
    const api = this.deps.apiBudget?.usage();
    return {
      kind: this.deps.kind,
      trigger: this.request.trigger,
      targets: this.targets,
      evaluated: this.evaluations.filter((e) => !counted.has(e.decision.reason)).length,
      acted: this.evaluations.filter((e) => e.applied).length,
      deferred: this.deferred,
      fannedOut: this.fannedOut,
      wallMs: Date.now() - this.startedAt,
      ...(api ? { api } : {}),
    };
  }
}

/** A decision that changes nothing, for the paths that decide nothing (capacity unknown: 0). */
export function emptyDecision(target: Target, reason: ReasonCode, current = 0, message = ''): Decision {
  return {
    target: target.name,
    kind: target.kind,
    current,
    desired: current,
    recommendation: current,
    direction: 'none',
    reason,
    message,
    metrics: {},
  };
}
