import type { TargetKind } from '../../../../shared/policy/schema';
import { Crash, type CrashPoint, crashingProcess } from '../crashingProcess';
import type { ScalerWorld } from '../scalerWorld';
import { sweepDecisionLog } from './decisionLogSweep';
import { answerNotices, type OnCall } from './onCall';
import type { SoakInvariants } from './soakInvariants';
import { SOAK } from './soakPolicy';

/** How often, and how far back, the decision log is swept (decisionLogSweep.ts says why). */
const SWEEP_MINUTES = 30;

export const KINDS: readonly TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];

/** Something made to happen at a virtual minute (a command's act, a day's scheduled episode). */
export type Act = (soak: Soak, model: Model) => Promise<void> | void;

/** What the soak knows between commands: time, the load episodes, the episodes due, the function to crash. */
export interface Model {
  minute: number;
  readonly end: number;
  readonly episodes: Map<string, { factor: number; until: number }>;
  steps: number;
  /** The next function run of `kind` dies at `point` (armed until a run reaches that point, or `until`). */
  crash?: { kind: TargetKind; point: CrashPoint; until: number };
  suspendedUntil?: number;
  /** Episodes scheduled at a minute of each day (dailyEpisodes), in time order, made to happen when due. */
  due: { minute: number; label: string; act: Act }[];
  /** The on-call engineer answering notices (onCall.ts); none in the quiet hour at the end. */
  onCall?: OnCall;
}

export interface Soak {
  readonly world: ScalerWorld;
  readonly invariants: SoakInvariants;
  readonly step: number;
  readonly progress: (line: string) => void;
  /** Called after every step with where the soak is (an interrupted soak prints the last one). */
  readonly stepped?: (at: { minute: number; steps: number }) => void;
}

/** Real time spent per phase of a step (printed by `npm run soak`). */
export const timings = new Map<string, number>();

/** The daily shape of a target's load (in units of its work), with the episode of the moment on top. */
function demandAt(model: Model, target: string, scale: number): number {
  const day = (model.minute / 1440) % 1;
  const base = 1 + 0.6 * Math.sin(2 * Math.PI * (day - 0.3));
  const episode = model.episodes.get(target);
  return scale * base * (episode && episode.until > model.minute ? episode.factor : 1);
}

/** The scheduled episodes whose minute has come, made to happen in order. */
async function dueEpisodes(soak: Soak, model: Model): Promise<void> {
  while (model.due[0] && model.due[0].minute <= model.minute) {
    const episode = model.due.shift();
    if (episode) await episode.act(soak, model);
  }
}

/** Whether the run died of the cut (raw, or among the failures of an evaluation that could not record). */
function died(error: unknown): boolean {
  if (error instanceof Crash) return true;
  const cause = error instanceof Error ? error.cause : undefined;
  return Array.isArray(cause) ? cause.some(died) : cause !== undefined && died(cause);
}

/** One function run of `kind`, its process cut at the armed crash point; a new container after it died. */
async function runFunction(soak: Soak, model: Model, kind: TargetKind): Promise<void> {
  const { world } = soak;
  const armed = model.crash?.kind === kind && model.minute < model.crash.until ? model.crash : undefined;
  if (model.crash && model.minute >= model.crash.until) model.crash = undefined;
  if (armed) world.useProcess(kind, crashingProcess(world.process(kind), armed.point));
  try {
    await world.schedule(kind);
  } catch (error) {
    if (died(error)) {
      // It died where it was cut: counted here, where it happened; the next run is a new container.
      world.layer.counts.count('restart.writeAhead');
      model.crash = undefined;
    }
    // A run whose failure Lambda would retry: the next run is a new container.
    else soak.progress(`  ${kind} run failed (Lambda retries it): ${String(error).slice(0, 200)}`);
  }
  if (armed) world.restart(kind);
}

/** One step: the load, the metrics, each function's schedule (one of them perhaps dying), the invariants. */
export async function step(soak: Soak, model: Model): Promise<void> {
  const { world } = soak;
  await world.advance(soak.step);
  model.minute += soak.step;
  model.steps += 1;
  if (model.minute % 1440 < soak.step && model.minute >= 1440)
    soak.progress(`virtual day ${Math.floor(model.minute / 1440)} done, ${model.steps} steps`);
  await dueEpisodes(soak, model);
  if (model.onCall) answerNotices(world, model.onCall);
  world.demand.set('web', demandAt(model, 'web', 4));
  world.demand.set('reads', demandAt(model, 'reads', 1.4));
  world.demand.set('readers', demandAt(model, 'readers', 1.4));
  world.ruleDemand.set('sessions', {
    memory: demandAt(model, 'sessions', 1.5),
    'engine-cpu': demandAt(model, 'sessions-cpu', 1.6),
  });
  if (model.suspendedUntil !== undefined && model.minute >= model.suspendedUntil) {
    await world.layer.asg.resume(SOAK.group);
    model.suspendedUntil = undefined;
  }
  const before = new Map(
    world.layer.rds.instances().map((i) => [i.id, { status: i.status, replication: i.replication }]),
  );
  let t = performance.now();
  const lap = (what: string) => {
    timings.set(what, (timings.get(what) ?? 0) + performance.now() - t);
    t = performance.now();
  };
  await world.publish();
  lap('publish');
  for (const kind of KINDS) {
    await runFunction(soak, model, kind);
    lap(kind);
  }
  if (model.minute % SWEEP_MINUTES < soak.step)
    await sweepDecisionLog(world, new Date(world.clock.now().getTime() - SWEEP_MINUTES * 60_000));
  if (model.minute % 60 < soak.step)
    await world.predict().catch((e: unknown) => soak.progress(`  predict failed: ${String(e)}`));
  lap('predict');
  soak.invariants.afterStep(world, before);
  await soak.invariants.afterStepRead(world);
  lap('invariants');
  soak.stepped?.({ minute: model.minute, steps: model.steps });
  if (soak.invariants.violations.length > 0)
    throw new Error(
      `invariant broken at virtual minute ${model.minute}: ${soak.invariants.violations.join('; ')}`,
    );
}

/** Runs steps for `minutes` (or until the soak's end). */
export async function pass(soak: Soak, model: Model, minutes: number): Promise<void> {
  const until = Math.min(model.end, model.minute + minutes);
  while (model.minute + soak.step <= until) await step(soak, model);
}
