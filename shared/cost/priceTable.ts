/**
 * The families of the on-demand price table (shared/cost/onDemandPrices.json) an engine's replica or node is
 * priced from, each one Price List product per type (PriceListReader holds their filters), with its label for
 * people. RDS read replicas and Aurora readers are Single-AZ instances, billed as DB instances of their engine.
 */
export const ENGINE_FAMILIES = {
  'rds:postgres': 'PostgreSQL',
  'rds:mysql': 'MySQL',
  'rds:mariadb': 'MariaDB',
  'rds:aurora-postgresql': 'Aurora PostgreSQL',
  'rds:aurora-postgresql-iopt1': 'Aurora PostgreSQL I/O-Optimized',
  'rds:aurora-mysql': 'Aurora MySQL',
  'rds:aurora-mysql-iopt1': 'Aurora MySQL I/O-Optimized',
  // RDS sells Oracle Enterprise Edition with the customer's own licence only: the price is AWS's, not Oracle's.
  'rds:oracle-ee-byol': 'Oracle EE BYOL',
  'rds:sqlserver-ee-li': 'SQL Server EE license included',
  'rds:sqlserver-se-li': 'SQL Server SE license included',
  'elasticache:redis': 'Redis OSS',
  'elasticache:valkey': 'Valkey',
} as const;
export type EngineFamily = keyof typeof ENGINE_FAMILIES;

/**
 * The families of a table an older `scalepilot prices` wrote, before engines were priced apart: `rds` holds
 * PostgreSQL Single-AZ prices and `elasticache` Redis OSS prices, read as those engines' families.
 */
export const LEGACY_FAMILIES = { rds: 'rds:postgres', elasticache: 'elasticache:redis' } as const;
type LegacyFamily = keyof typeof LEGACY_FAMILIES;

/** A family of the price table: EC2 instances (Linux, shared tenancy), an engine's, or a legacy one. */
export type PriceFamily = 'ec2' | EngineFamily | LegacyFamily;

/** Every family a table may hold, in the order `scalepilot prices` writes them. */
export const PRICE_FAMILIES: readonly PriceFamily[] = [
  'ec2',
  ...(Object.keys(ENGINE_FAMILIES) as EngineFamily[]),
  ...(Object.keys(LEGACY_FAMILIES) as LegacyFamily[]),
];

/** On-demand USD per hour by region, then by price family, then by type (shared/cost/onDemandPrices.json). */
export interface PriceTable {
  readonly regions: Readonly<Record<string, RegionPrices>>;
}
export type RegionPrices = Readonly<Partial<Record<PriceFamily, Readonly<Record<string, number>>>>>;

/** The family a legacy family's prices are read as, or the family itself. */
export function currentFamily(family: PriceFamily): Exclude<PriceFamily, LegacyFamily> {
  return family in LEGACY_FAMILIES ? LEGACY_FAMILIES[family as LegacyFamily] : (family as EngineFamily);
}

/** The family's label for people (`MySQL`, `Valkey`); none for EC2's, whose type says it all. */
export function familyLabel(family: PriceFamily): string | undefined {
  const current = currentFamily(family);
  return current === 'ec2' ? undefined : ENGINE_FAMILIES[current];
}

/**
 * USD per hour of `type` in a family among a region's families, or undefined: the family's own price, else
 * (PostgreSQL, Redis OSS) its legacy family's, so a table written before engines were priced apart still reads.
 */
export function familyPrice(
  families: RegionPrices | undefined,
  family: PriceFamily,
  type: string,
): number | undefined {
  const current = currentFamily(family);
  const legacy = (Object.keys(LEGACY_FAMILIES) as LegacyFamily[]).find((l) => LEGACY_FAMILIES[l] === current);
  return families?.[current]?.[type] ?? (legacy ? families?.[legacy]?.[type] : undefined);
}
