import fc from 'fast-check';
import type { BehaviourName } from '../behaviourCounts';
import { MINUTE } from '../layerContext';
import { ScalerWorld } from '../scalerWorld';
import { newOnCall } from './onCall';
import { commands, dailyEpisodes } from './soakCommands';
import { SoakInvariants } from './soakInvariants';
import { soakPolicy } from './soakPolicy';
import { type Model, pass, type Soak } from './soakSteps';

export { timings } from './soakSteps';

export interface SoakOptions {
  readonly days: number;
  readonly seed: number;
  /** Virtual minutes between two runs of the functions (the schedule is every minute; a step stands for it). */
  readonly stepMinutes?: number;
  readonly onProgress?: (line: string) => void;
  /**
   * Called after every step with the soak so far (virtual minute, steps, violations, behaviours), for a
   * caller that may be stopped before the end (`npm run soak` prints the last one on SIGINT or SIGTERM).
   */
  readonly onStep?: (sofar: {
    minute: number;
    steps: number;
    violations: number;
    behaviours: Record<BehaviourName, number>;
  }) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly days: number;
  readonly steps: number;
  readonly violations: number;
  readonly behaviours: Record<BehaviourName, number>;
  readonly failures: readonly string[];
}

/**
 * The soak (issue 21): the three scalers and predict, their real handlers in-process on the behaviour
 * layer's virtual clock, through `days` of randomized commands (fast-check's model-based commands), the
 * invariants checked after every step; at the end a quiet hour, then the ledger against the account.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const progress = options.onProgress ?? (() => {});
  const end = Math.round(options.days * 1440);
  const world = await soakWorld(options.seed);
  const invariants = new SoakInvariants(world.policy);
  const soak = soakOf(world, invariants, options);
  const model: Model = {
    minute: 0,
    end,
    episodes: new Map(),
    steps: 0,
    due: dailyEpisodes(options.seed, options.days),
    onCall: newOnCall(),
  };
  const failures: string[] = [];
  try {
    await playCommands(soak, model, options.seed);
  } catch (error) {
    const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
    failures.push(
      `${cause instanceof Error ? cause.message : ''}\n${error instanceof Error ? error.message : String(error)}`.trim(),
    );
  } finally {
    const debug = process.env.SOAK_DEBUG;
    if (debug) printTarget(world, debug, progress);
    await world.stop();
  }
  return {
    seed: options.seed,
    days: options.days,
    steps: model.steps,
    violations:
      invariants.violations.length + (failures.length > 0 && invariants.violations.length === 0 ? 1 : 0),
    behaviours: world.layer.counts.snapshot(),
    failures,
  };
}

/** The soak's account: its policy, a MySQL source and an Aurora cluster, and the rates of its faults. */
function soakWorld(seed: number): Promise<ScalerWorld> {
  return ScalerWorld.start({
    policy: soakPolicy(),
    seed,
    sources: {
      reads: { engine: 'mysql', instanceClass: 'db.r6g.large' },
      readers: { engine: 'aurora-mysql', instanceClass: 'db.r6g.large' },
    },
    maxConnections: (c) => (c === 'db.r6g.xlarge' ? 2000 : 1000),
    layer: {
      rds: {
        createFailure: 0.1,
        stuckCreating: 0.1,
        stuckMinutes: [90, 150],
        storageInitialization: 0.3,
        storageInitializationMinutes: [20, 120],
        insufficientCapacity: 0.15,
      },
      cache: { rollback: 0.1 },
    },
  });
}

/** What the steps run on, with the caller's `onStep` told the soak so far after each. */
function soakOf(world: ScalerWorld, invariants: SoakInvariants, options: SoakOptions): Soak {
  const { onStep } = options;
  return {
    world,
    invariants,
    step: options.stepMinutes ?? 4,
    progress: options.onProgress ?? (() => {}),
    ...(onStep
      ? {
          stepped: ({ minute, steps }: { minute: number; steps: number }) =>
            onStep({
              minute,
              steps,
              violations: invariants.violations.length,
              behaviours: world.layer.counts.snapshot(),
            }),
        }
      : {}),
  };
}

/**
 * One run of fast-check's commands to the end of the days, then a quiet hour (no more faults, no more
 * changes by anyone) and the ledger against the account; throws on a broken invariant.
 */
async function playCommands(soak: Soak, model: Model, seed: number): Promise<void> {
  const { end } = model;
  await fc.assert(
    fc.asyncProperty(
      fc.commands(commands, { maxCommands: Math.ceil(end / 20), size: 'max' }),
      async (cmds) => {
        await fc.asyncModelRun(() => ({ model, real: soak }), cmds);
        await pass(soak, model, end); // commands may end before the days do
        model.episodes.clear();
        const { crash: _armed, onCall: _answering, ...calm } = model;
        await pass({ ...soak }, { ...calm, end: model.minute + 60, due: [] }, 60);
        await soak.invariants.atEnd(soak.world);
        if (soak.invariants.violations.length > 0) throw new Error(soak.invariants.violations.join('; '));
      },
    ),
    { seed, numRuns: 1, endOnFailure: true, verbose: 1 },
  );
}

/** SOAK_DEBUG=<target>: that target's decisions and notices, to read why it did what it did. */
function printTarget(world: ScalerWorld, target: string, progress: (line: string) => void): void {
  for (const e of world.evaluations.filter((x) => x.decision.target === target)) {
    const at = world.evaluatedAt.get(e);
    const when = at === undefined ? '' : `${new Date(at).toISOString().slice(5, 16)} `;
    progress(
      `  ${when}${e.decision.reason} ${e.decision.current} → ${e.decision.desired}: ${e.decision.message.slice(-160)}`,
    );
  }
  progress(JSON.stringify(world.layer.notices.filter((n) => n.target === target)));
}

/** The minutes a virtual day lasts, for callers that print progress. */
export const DAY = 1440 * MINUTE;
