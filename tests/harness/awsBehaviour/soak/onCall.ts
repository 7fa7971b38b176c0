import type { ScalerWorld } from '../scalerWorld';
import { SOAK } from './soakPolicy';

/** End states RDS cannot bring back in place: the operator deletes the replica. */
const FAILED_STATES = new Set(['failed', 'storage-full', 'incompatible-parameters']);

/** How long the on-call engineer takes to answer a notice. */
const ANSWER_MINUTES = 60;

/** The source (or Aurora cluster) behind each replica target of the soak's policy. */
const SOURCE_OF: Readonly<Record<string, string>> = { reads: SOAK.source, readers: SOAK.cluster };

/** What the on-call engineer has read, and the answers due. */
export interface OnCall {
  seen: number;
  readonly due: { at: number; source: string }[];
}

export const newOnCall = (): OnCall => ({ seen: 0, due: [] });

/**
 * The on-call engineer: Scalepilot stops acting on a source whose managed replicas failed in a row
 * (`ReplacementsExhausted`, told once) until someone repairs or deletes them. An hour after the notice they
 * delete the failed replicas; without them the read replicas stayed frozen for the rest of a soak (seed 1:
 * 820 of 916 decisions in two and a half days), and no create or delete met the day's races.
 */
export function answerNotices(world: ScalerWorld, onCall: OnCall): void {
  const now = world.clock.now().getTime();
  for (const notice of world.layer.notices) {
    if (notice.at <= onCall.seen) continue;
    onCall.seen = Math.max(onCall.seen, notice.at);
    const source = SOURCE_OF[notice.target];
    if (notice.reason === 'ReplacementsExhausted' && source)
      onCall.due.push({ at: notice.at + ANSWER_MINUTES * 60_000, source });
  }
  for (const answer of onCall.due.filter((a) => a.at <= now)) {
    onCall.due.splice(onCall.due.indexOf(answer), 1);
    for (const replica of world.layer.rds.instances())
      if (
        (replica.source === answer.source || replica.cluster === answer.source) &&
        FAILED_STATES.has(replica.status)
      )
        world.layer.rds.foreignDelete(replica.id);
  }
}
