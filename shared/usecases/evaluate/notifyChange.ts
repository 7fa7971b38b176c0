import type { Decision } from '../../decision/types';
import type { EvaluationRun } from './EvaluationRun';

/**
 * The notify step: a change (or a notice worth telling) for the operators' topic, queued on the run and
 * sent when its batch is done (`sendNotices`), in as few calls as the notifier takes (SNS PublishBatch).
 */
export function notifyChange(run: EvaluationRun, decision: Decision, dryRun: boolean, at: Date): void {
  run.notices.push({ decision, dryRun, at });
}

/**
 * Sends the notices the batch queued. One that cannot be sent fails its targets' evaluations (the run then
 * fails and Lambda retries it): a change is never left untold without a trace.
 */
export async function sendNotices(run: EvaluationRun): Promise<void> {
  const notices = run.notices.splice(0);
  if (notices.length === 0) return;
  const { notifier } = run.deps;
  await run.guard(
    notices.map((n) => n.decision.target),
    async () => {
      if (notifier.capacityChangedMany) await notifier.capacityChangedMany(notices);
      else for (const notice of notices) await notifier.capacityChanged(notice);
    },
  );
}

/**
 * The notice a decision that repeats every minute carries, told when it first appears and again when it
 * changes: a dry run's would-be change, a skip the kind says is worth telling; null for the others.
 */
export function noticeOf(decision: Decision, dryRun: boolean, notify: boolean | undefined): string | null {
  if (decision.desired !== decision.current && dryRun)
    return `dry run ${decision.current}→${decision.desired}`;
  return notify ? `${decision.reason}` : null;
}
