import fc from 'fast-check';
import type { TargetKind } from '../../../../shared/policy/schema';
import type { BehaviourName } from '../behaviourCounts';
import { Crash, type CrashPoint, crashingProcess, crashPoints } from '../crashingProcess';
import { MINUTE } from '../layerContext';
import { ScalerWorld } from '../scalerWorld';
import { SoakInvariants } from './soakInvariants';
import { SOAK, soakPolicy } from './soakPolicy';

export interface SoakOptions {
  readonly days: number;
  readonly seed: number;
  /** Virtual minutes between two runs of the functions (the schedule is every minute; a step stands for it). */
  readonly stepMinutes?: number;
  readonly onProgress?: (line: string) => void;
}

export interface SoakResult {
  readonly seed: number;
  readonly days: number;
  readonly steps: number;
  readonly violations: number;
  readonly behaviours: Record<BehaviourName, number>;
  readonly failures: readonly string[];
}

const KINDS: readonly TargetKind[] = ['asg', 'rds-replicas', 'cache-shards'];

/** What the soak knows between commands: time, the load episodes, the functions to crash. */
interface Model {
  minute: number;
  readonly end: number;
  readonly episodes: Map<string, { factor: number; until: number }>;
  steps: number;
  crash?: { kind: TargetKind; point: CrashPoint };
  suspendedUntil?: number;
}

interface Soak {
  readonly world: ScalerWorld;
  readonly invariants: SoakInvariants;
  readonly step: number;
  readonly progress: (line: string) => void;
}

/** The daily shape of a target's load (in units of its work), with the episode of the moment on top. */
function demandAt(model: Model, target: string, scale: number): number {
  const day = (model.minute / 1440) % 1;
  const base = 1 + 0.6 * Math.sin(2 * Math.PI * (day - 0.3));
  const episode = model.episodes.get(target);
  return scale * base * (episode && episode.until > model.minute ? episode.factor : 1);
}

/** One step: the load, the metrics, each function's schedule (one of them perhaps dying), the invariants. */
async function step(soak: Soak, model: Model): Promise<void> {
  const { world } = soak;
  await world.advance(soak.step);
  model.minute += soak.step;
  model.steps += 1;
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
    const crash = model.crash?.kind === kind ? model.crash : undefined;
    if (crash) {
      world.useProcess(kind, crashingProcess(world.process(kind), crash.point));
      model.crash = undefined;
    }
    try {
      await world.schedule(kind);
    } catch (error) {
      // A function that died, or one whose failure Lambda would retry: the next run is a new container.
      if (!(error instanceof Crash))
        soak.progress(`  ${kind} run failed (Lambda retries it): ${String(error).slice(0, 200)}`);
    }
    if (crash) world.restart(kind);
    lap(kind);
  }
  if (model.minute % 60 < soak.step)
    await world.predict().catch((e: unknown) => soak.progress(`  predict failed: ${String(e)}`));
  lap('predict');
  soak.invariants.afterStep(world, before);
  lap('invariants');
  if (soak.invariants.violations.length > 0)
    throw new Error(
      `invariant broken at virtual minute ${model.minute}: ${soak.invariants.violations.join('; ')}`,
    );
}

export const timings = new Map<string, number>();

/** Runs steps for `minutes` (or until the soak's end). */
async function pass(soak: Soak, model: Model, minutes: number): Promise<void> {
  const until = Math.min(model.end, model.minute + minutes);
  while (model.minute + soak.step <= until) await step(soak, model);
}

type Act = (soak: Soak, model: Model) => Promise<void> | void;

/** A command: wait `wait` minutes (the functions running every step), then make something happen. */
class SoakCommand implements fc.AsyncCommand<Model, Soak> {
  constructor(
    readonly wait: number,
    readonly label: string,
    readonly act: Act,
  ) {}
  check(model: Readonly<Model>): boolean {
    return model.minute < model.end;
  }
  async run(model: Model, soak: Soak): Promise<void> {
    await pass(soak, model, this.wait);
    if (model.minute >= model.end) return;
    await this.act(soak, model);
  }
  toString(): string {
    return `wait ${this.wait} min, ${this.label}`;
  }
}

const replicaOf = (soak: Soak, source: string, pick: number) => {
  const ids = soak.world.layer.rds
    .instances()
    .filter((i) => i.source === source || i.cluster === source)
    .map((i) => i.id);
  return ids.length > 0 ? ids[pick % ids.length] : undefined;
};

const wait = fc.integer({ min: 2, max: 50 });

/** Everything the soak can make happen, each with its weight. */
const commands = [
  // Load shapes: a rush or a lull on one target.
  fc
    .tuple(
      wait,
      fc.constantFrom('web', 'reads', 'readers', 'sessions', 'sessions-cpu'),
      fc.constantFrom(0.4, 1.6, 2.2),
      fc.integer({ min: 20, max: 240 }),
    )
    .map(
      ([w, target, factor, minutes]) =>
        new SoakCommand(w, `load ×${factor} on ${target} for ${minutes} min`, (_s, m) => {
          m.episodes.set(target, { factor, until: m.minute + minutes });
        }),
    ),
  // RDS life cycles.
  fc.tuple(wait, fc.nat(), fc.boolean()).map(
    ([w, pick, shown]) =>
      new SoakCommand(
        w,
        `replication stops on replica #${pick}${shown ? '' : ' (StatusInfos not yet)'}`,
        (s) => {
          const id = replicaOf(s, SOAK.source, pick);
          if (id)
            s.world.layer.rds.stopReplication(
              id,
              shown ? 'error' : 'stopped',
              'Error 1062 in the SQL thread',
              { shown },
            );
        },
      ),
  ),
  fc.tuple(wait, fc.nat()).map(
    ([w, pick]) =>
      new SoakCommand(w, `replica #${pick} runs out of storage`, (s) => {
        const id = replicaOf(s, SOAK.source, pick);
        if (id) s.world.layer.rds.fillStorage(id);
      }),
  ),
  fc.tuple(wait, fc.constantFrom(SOAK.source, 'replica'), fc.integer({ min: 5, max: 60 })).map(
    ([w, what, minutes]) =>
      new SoakCommand(w, `console resize of ${what} (${minutes} min)`, (s) => {
        const id = what === SOAK.source ? SOAK.source : replicaOf(s, SOAK.source, minutes);
        if (id) s.world.layer.rds.consoleResize(id, 'db.r6g.xlarge', minutes);
      }),
  ),
  fc.tuple(wait, fc.integer({ min: 10, max: 240 }), fc.integer({ min: 10, max: 120 })).map(
    ([w, inMinutes, minutes]) =>
      new SoakCommand(w, `pending maintenance in ${inMinutes} min for ${minutes} min`, (s) => {
        s.world.layer.rds.pendingMaintenance(SOAK.source, { action: 'system-update' }, inMinutes, minutes);
      }),
  ),
  fc.tuple(wait, fc.nat()).map(
    ([w, pick]) =>
      new SoakCommand(w, `replica #${pick} lags 120 s for 20 min`, (s) => {
        const id = replicaOf(s, SOAK.source, pick);
        if (id) s.world.layer.rds.lagEpisode(id, 120, 20);
      }),
  ),
  fc
    .tuple(wait, fc.constantFrom('source-busy' as const, 'name-taken' as const))
    .map(
      ([w, race]) =>
        new SoakCommand(w, `the next replica create races: ${race}`, (s) =>
          s.world.layer.rds.raceNextCreate(race),
        ),
    ),
  wait.map(
    (w) =>
      new SoakCommand(w, 'the next replica delete races a console change of its source', (s) =>
        s.world.layer.rds.raceNextDelete(),
      ),
  ),
  fc.tuple(wait, fc.nat({ max: 99 })).map(
    ([w, n]) =>
      new SoakCommand(w, `someone makes replica manual-${n} by hand`, async (s) => {
        const id = `${SOAK.source}-manual-${n}`;
        if (!s.world.layer.rds.status(id)) await s.world.manualReplica(SOAK.source, id);
      }),
  ),
  wait.map(
    (w) =>
      new SoakCommand(w, 'a cross-Region replica appears', (s) =>
        s.world.layer.rds.addCrossRegionReplica(
          SOAK.source,
          `arn:aws:rds:us-west-2:123456789012:db:${SOAK.source}-west-${w}`,
        ),
      ),
  ),
  // ElastiCache.
  fc
    .tuple(wait, fc.integer({ min: 3, max: 6 }))
    .map(
      ([w, to]) =>
        new SoakCommand(
          w,
          `someone reshards to ${to}`,
          (s) => void s.world.layer.cache.foreignReshard(SOAK.cache, to),
        ),
    ),
  fc
    .tuple(wait, fc.integer({ min: 5, max: 40 }))
    .map(
      ([w, minutes]) =>
        new SoakCommand(
          w,
          `someone modifies the cache's node type (${minutes} min)`,
          (s) => void s.world.layer.cache.foreignModification(SOAK.cache, minutes),
        ),
    ),
  wait.map(
    (w) =>
      new SoakCommand(w, 'the next reshard races a modification', (s) =>
        s.world.layer.cache.raceNextReshard(15),
      ),
  ),
  // Auto Scaling.
  fc
    .tuple(wait, fc.integer({ min: 10, max: 60 }))
    .map(
      ([w, minutes]) =>
        new SoakCommand(w, `instance refresh (${minutes} min)`, (s) =>
          s.world.layer.asg.instanceRefresh(SOAK.group, minutes),
        ),
    ),
  fc.tuple(wait, fc.integer({ min: 10, max: 60 })).map(
    ([w, minutes]) =>
      new SoakCommand(w, `Launch and Terminate suspended (${minutes} min)`, async (s, m) => {
        await s.world.layer.asg.suspend(SOAK.group, ['Launch', 'Terminate']);
        m.suspendedUntil = m.minute + minutes;
      }),
  ),
  fc
    .tuple(wait, fc.integer({ min: 2, max: 5 }), fc.integer({ min: 10, max: 90 }))
    .map(
      ([w, instances, minutes]) =>
        new SoakCommand(w, `EC2 capacity shortfall: ${instances} instances (${minutes} min)`, (s) =>
          s.world.layer.asg.shortfall(SOAK.group, instances, minutes),
        ),
    ),
  fc
    .tuple(wait, fc.integer({ min: 2, max: 8 }))
    .map(
      ([w, n]) =>
        new SoakCommand(w, `someone sets the group's desired capacity to ${n}`, (s) =>
          s.world.layer.asg.setDesired(SOAK.group, n),
        ),
    ),
  // Faults: throttling storms, HTML 5xx, a function dying at a write-ahead point.
  fc
    .tuple(
      wait,
      fc.constantFrom('rds', 'monitoring', 'elasticache', 'autoscaling', 'dynamodb'),
      fc.integer({ min: 1, max: 6 }),
    )
    .map(
      ([w, service, n]) =>
        new SoakCommand(w, `throttling storm: ${n} ${service} calls`, (s) =>
          s.world.layer.throttling.storm(service, n),
        ),
    ),
  fc
    .tuple(
      wait,
      fc.constantFrom(
        'TransactWriteItems',
        'DescribeDBInstances',
        'GetMetricData',
        'DescribeReplicationGroups',
        '*',
      ),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(500, 502, 503),
    )
    .map(
      ([w, action, n, status]) =>
        new SoakCommand(w, `${n} HTML ${status}s on ${action}`, (s) =>
          s.world.layer.html.inject(action, n, status),
        ),
    ),
  fc.tuple(wait, fc.constantFrom(...KINDS), fc.constantFrom(...crashPoints)).map(
    ([w, kind, point]) =>
      new SoakCommand(w, `${kind} dies ${point}`, (_s, m) => {
        m.crash = { kind, point };
      }),
  ),
];

/**
 * The soak (issue 21): the three scalers and predict, their real handlers in-process on the behaviour
 * layer's virtual clock, through `days` of randomized commands (fast-check's model-based commands), the
 * invariants checked after every step; at the end a quiet hour, then the ledger against the account.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const progress = options.onProgress ?? (() => {});
  const stepMinutes = options.stepMinutes ?? 4;
  const end = Math.round(options.days * 1440);
  const world = await ScalerWorld.start({
    policy: soakPolicy(),
    seed: options.seed,
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
        insufficientCapacity: 0.15,
      },
      cache: { rollback: 0.1 },
    },
  });
  const invariants = new SoakInvariants(world.policy);
  const soak: Soak = { world, invariants, step: stepMinutes, progress };
  const model: Model = { minute: 0, end, episodes: new Map(), steps: 0 };
  const failures: string[] = [];
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commands, { maxCommands: Math.ceil(end / 20), size: 'max' }),
        async (cmds) => {
          await fc.asyncModelRun(() => ({ model, real: soak }), cmds);
          await pass(soak, model, end); // commands may end before the days do
          // A quiet hour (no more faults, no more changes by anyone), then the ledger against the account.
          model.episodes.clear();
          await pass({ ...soak }, { ...model, end: model.minute + 60 }, 60).catch((error: unknown) => {
            throw error;
          });
          await invariants.atEnd(world);
          if (invariants.violations.length > 0) throw new Error(invariants.violations.join('; '));
        },
      ),
      { seed: options.seed, numRuns: 1, endOnFailure: true, verbose: 1 },
    );
  } catch (error) {
    const cause = error instanceof Error ? (error as { cause?: unknown }).cause : undefined;
    failures.push(
      `${cause instanceof Error ? cause.message : ''}\n${error instanceof Error ? error.message : String(error)}`.trim(),
    );
  } finally {
    if (process.env.SOAK_DEBUG)
      for (const e of world.evaluations.filter((x) => x.decision.target === process.env.SOAK_DEBUG))
        progress(`  ${e.decision.reason}: ${e.decision.message.slice(-160)}`);
    if (process.env.SOAK_DEBUG)
      progress(JSON.stringify(world.layer.notices.filter((n) => n.target === process.env.SOAK_DEBUG)));
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

/** The minutes a virtual day lasts, for callers that print progress. */
export const DAY = 1440 * MINUTE;
