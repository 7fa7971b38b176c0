import { describe, expect, it } from 'vitest';
import { scalingLine } from '../../../shared/cost/costMessage';
import type { PriceTable } from '../../../shared/cost/priceTable';
import { scalingCost } from '../../../shared/cost/scalingCost';
import type { EngineSeen } from '../../../shared/decision/types';
import type { CacheShardsTarget, RdsReplicasTarget } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// Read replicas were priced as PostgreSQL Single-AZ and cache nodes as Redis OSS, whatever the source's or the
// group's engine: a MySQL source's replicas at PostgreSQL's price, a Valkey group's nodes at Redis OSS's (Valkey is
// sold cheaper), an Oracle or SQL Server replica at a fraction of its price. Each replica or node is now priced
// from its engine's family of the table, by the engine the decisions recorded. The prices below are made up,
// one apart from the other, so a row priced from another engine's family cannot pass.

const DAY = { from: new Date('2026-11-21T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') };
const policy = examplePolicy();
const db = {
  ...(policy.targets.find((t) => t.kind === 'rds-replicas') as RdsReplicasTarget),
  replicaInstanceClass: 'db.r6g.large',
  capacity: { min: 1, max: 3 },
};
const cache = {
  ...(policy.targets.find((t) => t.kind === 'cache-shards') as CacheShardsTarget),
  nodeType: 'cache.r6g.large',
  replicasPerShard: 1,
  capacity: { min: 3, max: 6 },
};
// Held all day 2 replicas above the minimum (48 replica-hours), or one shard of 2 nodes (48 node-hours).
const dbHeld = [{ at: DAY.from, from: 3, to: 3 }];
const cacheHeld = [{ at: DAY.from, from: 4, to: 4 }];

const prices: PriceTable = {
  regions: {
    'us-east-1': {
      // A table written before engines were priced apart: PostgreSQL's and Redis OSS's prices.
      rds: { 'db.r6g.large': 0.2 },
      elasticache: { 'cache.r6g.large': 0.1 },
      'rds:postgres': { 'db.r6g.large': 0.201 },
      'rds:mysql': { 'db.r6g.large': 0.202 },
      'rds:mariadb': { 'db.r6g.large': 0.203 },
      'rds:aurora-postgresql': { 'db.r6g.large': 0.204 },
      'rds:aurora-postgresql-iopt1': { 'db.r6g.large': 0.205 },
      'rds:aurora-mysql': { 'db.r6g.large': 0.206 },
      'rds:aurora-mysql-iopt1': { 'db.r6g.large': 0.207 },
      'rds:oracle-ee-byol': { 'db.r6g.large': 0.208 },
      'rds:sqlserver-ee-li': { 'db.r6g.large': 0.209 },
      'rds:sqlserver-se-li': { 'db.r6g.large': 0.21 },
      'elasticache:redis': { 'cache.r6g.large': 0.101 },
      'elasticache:valkey': { 'cache.r6g.large': 0.102 },
    },
  },
};

describe('a replica is priced by its source’s engine, a node by its group’s', () => {
  it.each([
    { name: 'PostgreSQL', seen: { name: 'postgres', licenseModel: 'postgresql-license' }, usd: 0.201 },
    { name: 'MySQL', seen: { name: 'mysql', licenseModel: 'general-public-license' }, usd: 0.202 },
    { name: 'MariaDB', seen: { name: 'mariadb', licenseModel: 'general-public-license' }, usd: 0.203 },
    { name: 'Aurora PostgreSQL', seen: { name: 'aurora-postgresql', storageType: 'aurora' }, usd: 0.204 },
    {
      name: 'Aurora PostgreSQL I/O-Optimized',
      seen: { name: 'aurora-postgresql', storageType: 'aurora-iopt1' },
      usd: 0.205,
    },
    // DescribeDBClusters leaves StorageType out of an Aurora Standard cluster.
    { name: 'Aurora MySQL', seen: { name: 'aurora-mysql' }, usd: 0.206 },
    {
      name: 'Aurora MySQL I/O-Optimized',
      seen: { name: 'aurora-mysql', storageType: 'aurora-iopt1' },
      usd: 0.207,
    },
    {
      name: 'Oracle EE BYOL',
      seen: { name: 'oracle-ee', licenseModel: 'bring-your-own-license' },
      usd: 0.208,
    },
    {
      name: 'Oracle EE BYOL',
      seen: { name: 'oracle-ee-cdb', licenseModel: 'bring-your-own-license' },
      usd: 0.208,
    },
    {
      name: 'SQL Server EE license included',
      seen: { name: 'sqlserver-ee', licenseModel: 'license-included' },
      usd: 0.209,
    },
    {
      name: 'SQL Server SE license included',
      seen: { name: 'sqlserver-se', licenseModel: 'license-included' },
      usd: 0.21,
    },
  ])('an RDS $seen.name source’s replicas at the $name price', ({ name, seen, usd }) => {
    const cost = scalingCost(db, dbHeld, DAY, 'us-east-1', prices, { engines: [seen] });
    expect(cost).toMatchObject({ unitType: 'db.r6g.large', engine: name, usdPerUnitHour: usd });
    expect(cost.usd).toBeCloseTo(48 * usd, 9);
    expect(scalingLine(cost)).toContain(`× $${usd.toFixed(4)} (db.r6g.large, ${name}) =`);
  });

  it.each([
    { name: 'Redis OSS', seen: { name: 'redis' }, usd: 0.101 },
    { name: 'Valkey', seen: { name: 'valkey' }, usd: 0.102 },
  ])('a $seen.name group’s nodes at the $name price', ({ name, seen, usd }) => {
    const cost = scalingCost(cache, cacheHeld, DAY, 'us-east-1', prices, { engines: [seen] });
    expect(cost).toMatchObject({
      unit: 'node',
      unitType: 'cache.r6g.large',
      engine: name,
      usdPerUnitHour: usd,
    });
    expect(cost.usd).toBeCloseTo(48 * usd, 9);
  });
});

describe('no price rather than another engine’s, and the note says why', () => {
  const rdsCost = (engines: EngineSeen[]) => scalingCost(db, dbHeld, DAY, 'us-east-1', prices, { engines });
  it.each([
    {
      name: 'SQL Server with the customer’s own media (BYOM): its price list product is not known',
      engines: [{ name: 'sqlserver-ee', licenseModel: 'bring-your-own-media' }],
      note: 'no price: sqlserver-ee with license model bring-your-own-media (Scalepilot prices SQL Server license-included only)',
    },
    {
      name: 'Oracle EE recorded as license included, which RDS does not sell',
      engines: [{ name: 'oracle-ee', licenseModel: 'license-included' }],
      note: 'no price: oracle-ee with license model license-included (RDS sells Oracle EE bring-your-own-license only)',
    },
    {
      name: 'an Aurora storage type of neither mode',
      engines: [{ name: 'aurora-postgresql', storageType: 'aurora-limitless' }],
      note: 'no price: aurora-postgresql storage type aurora-limitless is neither Aurora Standard nor I/O-Optimized',
    },
    {
      name: 'an engine Scalepilot has no price family for',
      engines: [{ name: 'db2-se', licenseModel: 'bring-your-own-license' }],
      note: 'no price: Scalepilot has no price for engine db2-se',
    },
    {
      name: 'no decision of the day recorded the engine (decisions written before they did)',
      engines: [],
      note: 'no price: the engine of the source is not known (no decision that day recorded it)',
    },
    {
      name: 'the storage mode changed that day: no one price',
      engines: [{ name: 'aurora-mysql' }, { name: 'aurora-mysql', storageType: 'aurora-iopt1' }],
      note: 'no price: the engine of the source changed that day (Aurora MySQL, then Aurora MySQL I/O-Optimized)',
    },
  ])('$name', ({ engines, note }) => {
    const cost = rdsCost(engines);
    expect(cost.usd).toBeUndefined();
    expect(cost.unitHours).toBeCloseTo(48, 9);
    expect(cost.note).toBe(note);
  });

  it('a Valkey group the day its engine changed from Redis OSS: no price', () => {
    const cost = scalingCost(cache, cacheHeld, DAY, 'us-east-1', prices, {
      engines: [{ name: 'redis' }, { name: 'valkey' }],
    });
    expect(cost.note).toBe('no price: the engine of the group changed that day (Redis OSS, then Valkey)');
  });

  it('a type the engine’s family lacks: the note names the engine and what to run', () => {
    const cost = scalingCost(
      { ...db, replicaInstanceClass: 'db.r7g.large' },
      dbHeld,
      DAY,
      'us-east-1',
      prices,
      {
        engines: [{ name: 'mysql' }],
      },
    );
    expect(cost).toMatchObject({ unitType: 'db.r7g.large', engine: 'MySQL' });
    expect(cost.note).toBe(
      'no price for db.r7g.large (MySQL) in us-east-1: run npx scalepilot prices --regions us-east-1',
    );
    expect(scalingLine(cost)).toContain('(no price for db.r7g.large (MySQL) in us-east-1');
  });
});

describe('a table written before engines were priced apart still reads, as PostgreSQL’s and Redis OSS’s prices', () => {
  const legacy: PriceTable = {
    regions: {
      'us-east-1': { ec2: {}, rds: { 'db.r6g.large': 0.2 }, elasticache: { 'cache.r6g.large': 0.1 } },
    },
  };
  it.each([
    { name: 'a PostgreSQL source’s replicas: its rds price', target: db, seen: 'postgres', usd: 0.2 },
    { name: 'a Redis OSS group’s nodes: its elasticache price', target: cache, seen: 'redis', usd: 0.1 },
    {
      name: 'a MySQL source’s replicas: no price (not PostgreSQL’s)',
      target: db,
      seen: 'mysql',
      usd: undefined,
    },
    {
      name: 'a Valkey group’s nodes: no price (not Redis OSS’s)',
      target: cache,
      seen: 'valkey',
      usd: undefined,
    },
  ])('$name', ({ target, seen, usd }) => {
    const held = target.kind === 'cache-shards' ? cacheHeld : dbHeld;
    const cost = scalingCost(target, held, DAY, 'us-east-1', legacy, { engines: [{ name: seen }] });
    const label = { postgres: 'PostgreSQL', redis: 'Redis OSS', mysql: 'MySQL', valkey: 'Valkey' }[seen];
    expect(cost.engine).toBe(label);
    expect(cost.usdPerUnitHour).toBe(usd);
    if (usd === undefined)
      expect(cost.note).toMatch(/^no price for \S+ \((MySQL|Valkey)\) in us-east-1: run/);
    else expect(cost.usd).toBeCloseTo(48 * usd, 9);
  });
});
