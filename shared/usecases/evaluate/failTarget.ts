import { backoffUntil } from '../../decision/backoff';
import { planObserved } from '../../decision/plans/nextPlanRecord';
import type { CapacityState, Decision } from '../../decision/types';
import { RequestRefusedError } from '../../errors';
import type { Target } from '../../policy/schema';
import type { Lease, TargetRecord } from '../../ports';
import { describeError } from './describeError';
import { type EvaluationRun, emptyDecision } from './EvaluationRun';
import { notifyChange, toldWithinTheHour, withTold } from './notifyChange';
import { failedMemberNotice, planRecordFor } from './planRecords';

/**
 * A target whose resource could not be read (`DescribeFailed`) or whose action AWS refused
 * (`ActionFailed`): recorded with its attempt count and backed off (1, 2, 4, 8, then every 15 minutes),
 * logged and counted in `TargetFailures`. The run goes on with the other targets. `attempted` is the
 * decision that was being carried out, kept on record with AWS's answer. A plan member whose action was
 * refused is recorded as one that cannot follow (its plan's other members are sized for what it has), and
 * that is told with the failure; the same failure is told at most once an hour, again each hour it lasts.
 */
export async function failTarget(
  run: EvaluationRun,
  target: Target,
  before: TargetRecord,
  reason: 'DescribeFailed' | 'ActionFailed',
  error: unknown,
  options: {
    lease?: Lease;
    now?: Date;
    attempted?: { decision: Decision; operation: string };
    /** The resource as the attempted decision saw it. */
    state?: CapacityState;
  } = {},
): Promise<void> {
  const { deps } = run;
  const now = options.now ?? run.now;
  const failures = before.failures + 1;
  const until = backoffUntil(failures, now);
  const what = reason === 'DescribeFailed' ? 'cannot read' : 'could not change';
  const cause = error instanceof Error ? error.message : String(error);
  const { attempted } = options;
  const decision: Decision = {
    ...emptyDecision(target, reason, attempted?.decision.current),
    message: `${what} ${target.name}: ${cause}; attempt ${failures}, next after ${until.toISOString()}`,
    ...(attempted
      ? {
          explain: {
            ...(attempted.decision.explain ?? { rules: [], gates: [] }),
            aws: { operation: attempted.operation, outcome: 'error' as const, message: cause },
          },
        }
      : {}),
  };
  deps.log.error('target failed', { target: target.name, reason, error: describeError(error) });
  deps.decisionMetrics?.failed(reason === 'DescribeFailed' ? 'describe' : 'act', target.name);
  // AWS refused the call: the operation written ahead of it never started (issue 21), so its intent goes.
  const refused = reason === 'ActionFailed' && error instanceof RequestRefusedError;
  // A resource that could not be read leaves its plan record to go stale: the others then treat it as unknown.
  const plan =
    reason === 'ActionFailed'
      ? planRecordFor(run, target.name, {
          observed: options.state ? planObserved(options.state) : undefined,
          decision,
          appliedAt: undefined,
          changes: before.history.changes,
          now,
        })
      : undefined;
  // A failed action is told at most once an hour: refusals between two holds do not storm, and one that
  // lasts is told again each hour it lasts (issue 21).
  const tell = reason === 'ActionFailed' && !toldWithinTheHour(before.noticesToldAt, reason, now);
  try {
    await deps.ledger.record(
      decision,
      { ...run.context(target, now), applied: false },
      {
        ...(options.lease ? { lease: options.lease } : {}),
        failures: { count: failures, backoffUntil: until },
        ...(refused ? { clearIntent: true } : {}),
        ...(reason === 'ActionFailed' ? { lastNotice: reason } : {}),
        ...(tell ? { noticesToldAt: withTold(before.noticesToldAt, [reason], now) } : {}),
        ...(plan ? { plan } : {}),
      },
    );
  } catch (recordFailed) {
    // What AWS answered is told even when the ledger cannot keep it: the next run finds the intent never
    // applied and cannot tell a refusal from a crash, and retries; the refusal would go untold (soak seed
    // 57721: a create refused as DynamoDB answered 503s). Only a ledger down as AWS refuses tells it twice.
    if (tell) notifyChange(run, decision, run.dryRun(target), now);
    throw recordFailed;
  }
  run.recorded(decision, false, run.dryRun(target));
  if (tell) {
    notifyChange(run, decision, run.dryRun(target), now);
    const ordered = options.state?.current ?? attempted?.decision.current;
    const planNotice = ordered === undefined ? undefined : failedMemberNotice(run, target, decision, ordered);
    if (planNotice) notifyChange(run, planNotice, run.dryRun(target), now);
  }
}
