import { describe, expect, it } from 'vitest';
import { refreshRegionPrices } from '../../../bin/lib/refreshRegionPrices';
import { wantedPriceTypes } from '../../../bin/lib/wantedPriceTypes';
import type { PriceTable } from '../../../shared/cost/priceTable';
import type { Target } from '../../../shared/policy/schema';
import { examplePolicy } from '../../harness/fixtures';

// `scalepilot prices` knew one family per service (`rds`: PostgreSQL, `elasticache`: Redis OSS). It now refreshes
// each engine's family, reads a table an older `prices` wrote with its `rds` and `elasticache` prices taken as
// PostgreSQL's and Redis OSS's (and writes them under those families), and prices the policy's replica classes
// and node types for every engine of their kind: the engine is the resource's, which the policy does not say.

const RDS_FAMILIES = [
  'rds:postgres',
  'rds:mysql',
  'rds:mariadb',
  'rds:aurora-postgresql',
  'rds:aurora-postgresql-iopt1',
  'rds:aurora-mysql',
  'rds:aurora-mysql-iopt1',
  'rds:oracle-ee-byol',
  'rds:sqlserver-ee-li',
  'rds:sqlserver-se-li',
];
const legacy: PriceTable = {
  regions: {
    'us-east-1': {
      ec2: { 't3.micro': 0.01 },
      rds: { 'db.t4g.medium': 0.065 },
      elasticache: { 'cache.t4g.small': 0.032 },
    },
  },
};

describe('wantedPriceTypes: what `prices` asks the Price List API for', () => {
  const typesOf = (wanted: Record<string, Set<string>>) =>
    Object.fromEntries(
      Object.entries(wanted)
        .filter(([, types]) => types.size > 0)
        .map(([f, t]) => [f, [...t]]),
    );
  it.each([
    {
      name: 'a legacy table: its rds and elasticache types under PostgreSQL and Redis OSS',
      table: legacy,
      targets: [],
      want: {
        ec2: ['t3.micro'],
        'rds:postgres': ['db.t4g.medium'],
        'elasticache:redis': ['cache.t4g.small'],
      },
    },
    {
      name: 'a family of the table keeps its own types only',
      table: { regions: { 'eu-west-1': { 'rds:mysql': { 'db.r6g.large': 0.2 } } } },
      targets: [],
      want: { 'rds:mysql': ['db.r6g.large'] },
    },
    {
      name: 'the policy’s replica class and node type: every engine of their kind',
      table: { regions: {} },
      targets: examplePolicy().targets,
      want: {
        ec2: ['t3.medium'],
        ...Object.fromEntries(RDS_FAMILIES.map((f) => [f, ['db.t4g.medium']])),
        'elasticache:redis': ['cache.t4g.small'],
        'elasticache:valkey': ['cache.t4g.small'],
      },
    },
  ] as { name: string; table: PriceTable; targets: Target[]; want: object }[])(
    '$name',
    ({ table, targets, want }) => {
      expect(typesOf(wantedPriceTypes(table, targets))).toEqual(want);
    },
  );

  it('a legacy table refreshed: a price not found now keeps the legacy family’s, said with its engine', async () => {
    const lines: string[] = [];
    const { prices, found } = await refreshRegionPrices(
      'us-east-1',
      legacy.regions['us-east-1'],
      wantedPriceTypes(legacy, []),
      async (family) => (family === 'ec2' ? 0.0104 : undefined),
      (line) => lines.push(line),
    );
    expect(found).toBe(1);
    expect(prices).toMatchObject({
      ec2: { 't3.micro': 0.0104 },
      'rds:postgres': { 'db.t4g.medium': 0.065 },
      'elasticache:redis': { 'cache.t4g.small': 0.032 },
    });
    expect(lines).toEqual([
      "us-east-1: no on-demand price for db.t4g.medium (PostgreSQL) now: the table's 0.065 USD an hour is kept",
      "us-east-1: no on-demand price for cache.t4g.small (Redis OSS) now: the table's 0.032 USD an hour is kept",
    ]);
  });
});
