import { floorAt } from '../../shared/decision/floors';
import type { FloorSchedule } from '../../shared/decision/types';
import type { Policy } from '../../shared/policy/schema';
import type { Clock, Ledger, MetricHistoryReader, ScheduledActionsPort } from '../../shared/ports';
import type { LogSink } from '../../shared/usecases/evaluateTargets';
import { type Prediction, predictTargets } from '../../shared/usecases/predictTargets';

const MIN = 60_000;

/** What `scalepilot predict` shows per target: the run's outcome and the scheduled actions it would write. */
export interface PredictPreview {
  readonly prediction: Prediction;
  /** For groups in forecast-and-scale mode: the scheduled MinSize actions it would put. */
  readonly wouldSchedule?: readonly {
    readonly name: string;
    readonly start: Date;
    readonly minSize: number;
  }[];
  /** The floors it would write (forecast-and-scale), whatever the ledger holds now. */
  readonly floors?: FloorSchedule;
}

/**
 * The predict function's run now, on the account's own history and groups, changing nothing: the ledger is
 * only read (the trust scores, when given one), scheduled actions are only described, nothing is published.
 */
export async function predictPreview(deps: {
  readonly policy: Policy;
  readonly history: MetricHistoryReader;
  readonly groups: Pick<ScheduledActionsPort, 'group' | 'scheduledActions'>;
  /**
   * The trust scores, a plan's members' learned lead times (their PLAN items), and each target's record (a group
   * the scaler refuses for its own scaling policies gets no raise: the preview says so as the function would).
   */
  readonly ledger?: Pick<Ledger, 'readForecastTrack' | 'readPlanMembers'> & Partial<Pick<Ledger, 'read'>>;
  readonly clock: Clock;
  readonly log: LogSink;
  readonly targets?: readonly string[];
}): Promise<PredictPreview[]> {
  const scheduled = new Map<string, PredictPreview['wouldSchedule']>();
  const readOnly: Ledger = {
    acquireLease: async () => undefined,
    releaseLease: async () => {},
    read: async (target) =>
      (await deps.ledger?.read?.(target)) ?? { history: { recommendations: [], changes: [] }, failures: 0 },
    readMany: async () => new Map(),
    readPlanMembers: async (targets) => deps.ledger?.readPlanMembers(targets) ?? new Map(),
    recordMany: async () => {},
    readCursor: async () => undefined,
    writeCursor: async () => {},
    writeIntent: async () => {},
    record: async () => {},
    writeFloors: async () => {},
    readForecastTrack: async (target) => deps.ledger?.readForecastTrack(target),
    writeForecastTrack: async () => {},
  };
  const predictions = await predictTargets(
    {
      policy: deps.policy,
      history: deps.history,
      ledger: readOnly,
      groups: {
        group: (name) => deps.groups.group(name),
        scheduledActions: (name) => deps.groups.scheduledActions(name),
        replace: async (group, put) => void scheduled.set(group, put),
        // A preview prunes nothing and tags nothing.
        ownedActions: async () => [],
        markOwned: async () => {},
      },
      publisher: { publish: async () => {} },
      clock: deps.clock,
      log: deps.log,
    },
    deps.targets ? { targets: deps.targets } : {},
  );
  return predictions.map((prediction) => {
    const target = deps.policy.targets.find((t) => t.name === prediction.decision.target);
    const wouldSchedule = target?.kind === 'asg' ? scheduled.get(target.autoScalingGroupName) : undefined;
    return {
      prediction,
      ...(wouldSchedule ? { wouldSchedule } : {}),
      ...(prediction.floors ? { floors: prediction.floors } : {}),
    };
  });
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** The preview as text: per target its outcome, then per 15 minutes the units needed (and the floor). */
export function formatPredictPreview(previews: readonly PredictPreview[], now: Date): string {
  const lines: string[] = [];
  for (const { prediction, wouldSchedule, floors } of previews) {
    const { decision, needed } = prediction;
    lines.push(`${decision.target} [${decision.kind}] ${decision.reason}: ${decision.message}`);
    if (needed && needed.units.length > 0) {
      const cells: string[] = [];
      const end = needed.start.getTime() + needed.units.length * needed.stepMinutes * MIN;
      for (let t = Math.ceil(now.getTime() / (15 * MIN)) * 15 * MIN; t < end; t += 15 * MIN) {
        const i = Math.floor((t - needed.start.getTime()) / (needed.stepMinutes * MIN));
        const need = needed.units[i];
        if (need === undefined) continue;
        const floor = floorAt(floors, new Date(t))?.units;
        cells.push(`${hhmm(new Date(t))} ${need}${floor !== undefined ? ` (floor ${floor})` : ''}`);
      }
      lines.push(`  needs: ${cells.join(', ')}`);
    }
    if (wouldSchedule)
      lines.push(
        `  scheduled MinSize actions it would write: ${wouldSchedule.length}${
          wouldSchedule.length > 0
            ? ` (${wouldSchedule
                .slice(0, 8)
                .map((a) => `${hhmm(a.start)} → ${a.minSize}`)
                .join(', ')}${wouldSchedule.length > 8 ? ', …' : ''})`
            : ''
        }`,
      );
  }
  return lines.join('\n');
}
