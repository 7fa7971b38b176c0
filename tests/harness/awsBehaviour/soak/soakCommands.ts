import fc from 'fast-check';
import { crashPoints } from '../crashingProcess';
import { SeededRandom } from '../random';
import { SOAK } from './soakPolicy';
import { type Act, KINDS, type Model, pass, type Soak } from './soakSteps';

/** Something the soak can make happen, with what it says it did. */
export interface Episode {
  readonly label: string;
  readonly act: Act;
}

const episode = (label: string, act: Act): Episode => ({ label, act });

/** Replicas of the source in other Regions at most (someone else's; the oldest goes when a new one comes). */
const CROSS_REGION_KEPT = 3;

const replicaOf = (soak: Soak, source: string, pick: number) => {
  const ids = soak.world.layer.rds
    .instances()
    .filter((i) => i.source === source || i.cluster === source)
    .map((i) => i.id);
  return ids.length > 0 ? ids[pick % ids.length] : undefined;
};

/** Load shapes: a rush or a lull on one target. */
const loadShape = fc
  .tuple(
    fc.constantFrom('web', 'reads', 'readers', 'sessions', 'sessions-cpu'),
    fc.constantFrom(0.4, 1.6, 2.2),
    fc.integer({ min: 20, max: 240 }),
  )
  .map(([target, factor, minutes]) =>
    episode(`load ×${factor} on ${target} for ${minutes} min`, (_s, m) => {
      m.episodes.set(target, { factor, until: m.minute + minutes });
    }),
  );

/**
 * Every life cycle, foreign change and fault, by name. The commands draw them at random; each is also
 * scheduled once a virtual day at a random minute (dailyEpisodes), so every behaviour plays in any long soak.
 */
export const episodes: Readonly<Record<string, fc.Arbitrary<Episode>>> = {
  // RDS life cycles.
  replicationStops: fc.tuple(fc.nat(), fc.boolean()).map(([pick, shown]) =>
    episode(`replication stops on replica #${pick}${shown ? '' : ' (StatusInfos not yet)'}`, (s) => {
      const id = replicaOf(s, SOAK.source, pick);
      if (id)
        s.world.layer.rds.stopReplication(id, shown ? 'error' : 'stopped', 'Error 1062 in the SQL thread', {
          shown,
        });
    }),
  ),
  storageFull: fc.nat().map((pick) =>
    episode(`replica #${pick} runs out of storage`, (s) => {
      const id = replicaOf(s, SOAK.source, pick);
      if (id) s.world.layer.rds.fillStorage(id);
    }),
  ),
  nextReplicaFails: fc
    .constantFrom('incompatible-parameters' as const, 'storage-full' as const, 'failed' as const)
    .map((state) =>
      episode(`the next replica created ends ${state}`, (s) => s.world.layer.rds.armed.failNextCreate(state)),
    ),
  // One of the failed end states at random above; incompatible-parameters (the rarest to meet) daily too.
  incompatibleParameters: fc.constant(
    episode('the next replica created ends incompatible-parameters', (s) =>
      s.world.layer.rds.armed.failNextCreate('incompatible-parameters'),
    ),
  ),
  stuckCreating: fc.constant(
    episode('the next replica created stays creating for hours', (s) =>
      s.world.layer.rds.armed.stickNextCreate(),
    ),
  ),
  noCapacity: fc.constant(
    episode('RDS has no capacity for the next replica create', (s) =>
      s.world.layer.rds.armed.noCapacityForNextCreate(),
    ),
  ),
  consoleResize: fc
    .tuple(fc.constantFrom(SOAK.source, 'replica'), fc.integer({ min: 5, max: 60 }))
    .map(([what, minutes]) =>
      episode(`console resize of ${what} (${minutes} min)`, (s) => {
        const id = what === SOAK.source ? SOAK.source : replicaOf(s, SOAK.source, minutes);
        if (id) s.world.layer.rds.consoleResize(id, 'db.r6g.xlarge', minutes);
      }),
    ),
  pendingMaintenance: fc
    .tuple(fc.integer({ min: 10, max: 240 }), fc.integer({ min: 10, max: 120 }))
    .map(([inMinutes, minutes]) =>
      episode(`pending maintenance in ${inMinutes} min for ${minutes} min`, (s) => {
        s.world.layer.rds.pendingMaintenance(SOAK.source, { action: 'system-update' }, inMinutes, minutes);
      }),
    ),
  replicaLags: fc.nat().map((pick) =>
    episode(`replica #${pick} lags 120 s for 20 min`, (s) => {
      const id = replicaOf(s, SOAK.source, pick);
      if (id) s.world.layer.rds.lagEpisode(id, 120, 20);
    }),
  ),
  createRacesBusySource: fc.constant(
    episode('the next replica create races: source-busy', (s) =>
      s.world.layer.rds.armed.raceNextCreate('source-busy'),
    ),
  ),
  createRacesTakenName: fc.constant(
    episode('the next replica create races: name-taken', (s) =>
      s.world.layer.rds.armed.raceNextCreate('name-taken'),
    ),
  ),
  deleteRaces: fc.constant(
    episode('the next replica delete races a console change of its source', (s) =>
      s.world.layer.rds.armed.raceNextDelete(),
    ),
  ),
  manualReplica: fc.nat({ max: 99 }).map((n) =>
    episode(`someone makes replica manual-${n} by hand (and deletes an older one)`, async (s) => {
      // Someone's hand-made replicas come and go: left to pile up (one a day), they took every slot of
      // capacity.max, and from day 3 Scalepilot neither created nor deleted a replica (seed 2026).
      const { rds } = s.world.layer;
      const prefix = `${SOAK.source}-manual-`;
      for (const older of rds.instances().filter((i) => i.id.startsWith(prefix) && i.status !== 'deleting'))
        rds.foreignDelete(older.id);
      const id = `${prefix}${n}`;
      if (!rds.status(id)) await s.world.manualReplica(SOAK.source, id);
    }),
  ),
  // The read replicas' own rush and lull, every day: a create and a delete to meet the races above.
  readsRush: fc
    .integer({ min: 60, max: 150 })
    .map((minutes) =>
      episode(
        `read rush on reads (×2.2 for ${minutes} min)`,
        (_s, m) => void m.episodes.set('reads', { factor: 2.2, until: m.minute + minutes }),
      ),
    ),
  readsLull: fc
    .integer({ min: 120, max: 300 })
    .map((minutes) =>
      episode(
        `read lull on reads (×0.3 for ${minutes} min)`,
        (_s, m) => void m.episodes.set('reads', { factor: 0.3, until: m.minute + minutes }),
      ),
    ),
  crossRegionReplica: fc.nat({ max: 999 }).map((n) =>
    episode('a cross-Region replica appears', (s) => {
      // Someone else's disaster-recovery copies come and go: the oldest is deleted past three (left to
      // pile up, a week of episodes took all 15 of the source's replicas, seed 2026).
      const { rds } = s.world.layer;
      const oldest = rds.crossRegionReplicas(SOAK.source);
      if (oldest.length >= CROSS_REGION_KEPT && oldest[0])
        rds.removeCrossRegionReplica(SOAK.source, oldest[0]);
      rds.addCrossRegionReplica(
        SOAK.source,
        `arn:aws:rds:us-west-2:123456789012:db:${SOAK.source}-west-${n}`,
      );
    }),
  ),
  // ElastiCache.
  foreignReshard: fc
    .integer({ min: 3, max: 6 })
    .map((to) =>
      episode(`someone reshards to ${to}`, (s) => void s.world.layer.cache.foreignReshard(SOAK.cache, to)),
    ),
  foreignModification: fc
    .integer({ min: 5, max: 40 })
    .map((minutes) =>
      episode(
        `someone modifies the cache's node type (${minutes} min)`,
        (s) => void s.world.layer.cache.foreignModification(SOAK.cache, minutes),
      ),
    ),
  modificationRaces: fc.constant(
    episode('the next shard or replica change races a modification', (s) =>
      s.world.layer.cache.raceNextReshard(15),
    ),
  ),
  cacheReadRush: fc.integer({ min: 60, max: 180 }).map((minutes) =>
    // Read load alone (engine CPU, not memory): answered with replicas on every shard, not a reshard.
    episode(`read rush on the cache (engine CPU ×1.6 for ${minutes} min)`, (_s, m) => {
      m.episodes.set('sessions-cpu', { factor: 1.6, until: m.minute + minutes });
    }),
  ),
  largeKey: fc.record({ pick: fc.nat(), hours: fc.integer({ min: 2, max: 12 }) }).map(({ pick, hours }) =>
    episode(`a key over 256 MB on one of the cache's shards for ${hours} h`, (s) => {
      const shards = [...new Set(s.world.layer.cache.nodes(SOAK.cache).map((n) => n.shard))];
      const shard = shards[pick % Math.max(1, shards.length)];
      if (shard)
        s.world.layer.cache.largeKeyOn(
          SOAK.cache,
          shard,
          s.world.layer.clock.now().getTime() + hours * 3_600_000,
        );
    }),
  ),
  reshardRollsBack: fc.constant(
    episode('AWS rolls the next reshard back', (s) => s.world.layer.cache.rollBackNextReshard()),
  ),
  // Auto Scaling.
  instanceRefresh: fc
    .integer({ min: 10, max: 60 })
    .map((minutes) =>
      episode(`instance refresh (${minutes} min)`, (s) =>
        s.world.layer.asg.instanceRefresh(SOAK.group, minutes),
      ),
    ),
  suspendedProcesses: fc.integer({ min: 10, max: 60 }).map((minutes) =>
    episode(`Launch and Terminate suspended (${minutes} min)`, async (s, m) => {
      await s.world.layer.asg.suspend(SOAK.group, ['Launch', 'Terminate']);
      m.suspendedUntil = m.minute + minutes;
    }),
  ),
  capacityShortfall: fc
    .tuple(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 10, max: 90 }))
    .map(([instances, minutes]) =>
      episode(`EC2 capacity shortfall: ${instances} instances (${minutes} min)`, (s) =>
        s.world.layer.asg.shortfall(SOAK.group, instances, minutes),
      ),
    ),
  foreignDesired: fc
    .integer({ min: 2, max: 8 })
    .map((n) =>
      episode(`someone sets the group's desired capacity to ${n}`, (s) =>
        s.world.layer.asg.setDesired(SOAK.group, n),
      ),
    ),
  // Someone protects every instance in service from scale-in (a job runner's long jobs), then lifts it; the load
  // falls meanwhile, so any scale-in the scaler asks for would go below them (protecting some only, seed 4242's
  // first day met none, and the invariant could not fail).
  scaleInProtected: fc.integer({ min: 20, max: 90 }).map((minutes) =>
    episode(
      `every instance of the group protected from scale-in, load ×0.4 (${minutes} min)`,
      async (s, m) => {
        await s.world.layer.asg.protectFromScaleIn(SOAK.group, Number.MAX_SAFE_INTEGER, minutes);
        m.episodes.set('web', { factor: 0.4, until: m.minute + minutes });
      },
    ),
  ),
  // Someone attaches a target-tracking policy to the group (moto keeps it, never runs it), then deletes it.
  foreignScalingPolicy: fc.tuple(fc.nat({ max: 999 }), fc.integer({ min: 20, max: 90 })).map(([n, minutes]) =>
    episode(`someone attaches scaling policy cpu50-${n} to the group (${minutes} min)`, async (s) => {
      await s.world.layer.asg.attachScalingPolicy(SOAK.group, `cpu50-${n}`, minutes);
    }),
  ),
  // Faults: throttling storms, HTML 5xx, a function dying at a write-ahead point.
  rdsThrottled: fc
    .integer({ min: 1, max: 6 })
    .map((n) =>
      episode(`throttling storm: rds calls' first ${n} attempts for a minute`, (s) =>
        s.world.layer.throttling.storm('rds', n),
      ),
    ),
  otherThrottled: fc
    .tuple(fc.constantFrom('elasticache', 'autoscaling', 'dynamodb'), fc.integer({ min: 1, max: 6 }))
    .map(([service, n]) =>
      episode(`throttling storm: ${service} calls' first ${n} attempts for a minute`, (s) =>
        s.world.layer.throttling.storm(service, n),
      ),
    ),
  // A storm on CloudWatch meets the functions' GetMetricData (the harness's own metric writes pass).
  getMetricDataThrottled: fc
    .integer({ min: 1, max: 4 })
    .map((n) =>
      episode(`throttling storm: CloudWatch calls' first ${n} attempts for a minute`, (s) =>
        s.world.layer.throttling.storm('monitoring', n),
      ),
    ),
  html5xx: fc
    .tuple(
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
    .map(([action, n, status]) =>
      episode(`HTML ${status}s on ${action}'s first ${n} attempts for a minute`, (s) =>
        s.world.layer.html.injectForAMinute(action, n, status),
      ),
    ),
  restart: fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...crashPoints)).map(([kind, point]) =>
    episode(`${kind} dies ${point}`, (_s, m) => {
      // Armed until a run of the function gets there (a run that changes nothing takes no lease).
      m.crash = { kind, point, until: m.minute + 120 };
    }),
  ),
};

/** A command: wait `wait` minutes (the functions running every step), then make something happen. */
class SoakCommand implements fc.AsyncCommand<Model, Soak> {
  constructor(
    readonly wait: number,
    readonly what: Episode,
  ) {}
  check(model: Readonly<Model>): boolean {
    return model.minute < model.end;
  }
  async run(model: Model, soak: Soak): Promise<void> {
    await pass(soak, model, this.wait);
    if (model.minute >= model.end) return;
    await this.what.act(soak, model);
  }
  toString(): string {
    return `wait ${this.wait} min, ${this.what.label}`;
  }
}

const wait = fc.integer({ min: 2, max: 50 });

/** Everything the soak can make happen at random, each after a random wait. */
export const commands = [loadShape, ...Object.values(episodes)].map((arbitrary) =>
  fc.tuple(wait, arbitrary).map(([w, what]) => new SoakCommand(w, what)),
);

/**
 * Each episode once every virtual day at a random minute of it (seeded: a run replays), in time order: the
 * random commands alone may leave one out for days, and a soak must show every behaviour.
 */
export function dailyEpisodes(seed: number, days: number): Model['due'] {
  const random = new SeededRandom(seed ^ 0x5eed);
  const due: Model['due'] = [];
  for (let day = 0; day < Math.ceil(days); day += 1)
    for (const [name, arbitrary] of Object.entries(episodes)) {
      const [what] = fc.sample(arbitrary, { seed: Math.floor(random.next() * 2 ** 31), numRuns: 1 });
      const minute = Math.floor(day * 1440 + random.between(0, Math.min(1440, days * 1440 - day * 1440)));
      if (what) due.push({ minute, label: `${name}: ${what.label}`, act: what.act });
    }
  return due.sort((a, b) => a.minute - b.minute);
}
