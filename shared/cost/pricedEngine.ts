import type { EngineSeen } from '../decision/types';
import { ENGINE_FAMILIES, type EngineFamily } from './priceTable';

/** An engine's price family and its label, or why it has none. */
export type PricedEngine =
  | { readonly family: EngineFamily; readonly label: string }
  | { readonly note: string };

const priced = (family: EngineFamily): PricedEngine => ({ family, label: ENGINE_FAMILIES[family] });

/** RDS engines whose price is the engine's alone (no licence to bring, no storage mode). */
const OPEN_ENGINES: Readonly<Record<string, EngineFamily>> = {
  postgres: 'rds:postgres',
  mysql: 'rds:mysql',
  mariadb: 'rds:mariadb',
};

/** Aurora engines (`aurora`: the retired MySQL 5.6-compatible one) by their Standard and I/O-Optimized families. */
const AURORA: Readonly<Record<string, readonly [EngineFamily, EngineFamily]>> = {
  'aurora-postgresql': ['rds:aurora-postgresql', 'rds:aurora-postgresql-iopt1'],
  'aurora-mysql': ['rds:aurora-mysql', 'rds:aurora-mysql-iopt1'],
  aurora: ['rds:aurora-mysql', 'rds:aurora-mysql-iopt1'],
};

/**
 * The price family of an RDS replica of a source running `seen`, or why there is none. Each price is one Price
 * List product exactly: an Aurora instance costs more on an I/O-Optimized cluster (StorageType `aurora-iopt1`);
 * RDS sells Oracle Enterprise Edition only with the customer's own licence (RDS User Guide, Oracle licensing
 * options); SQL Server is priced license included, the one model whose price list value Scalepilot knows.
 */
export function pricedRdsEngine(seen: EngineSeen): PricedEngine {
  const { name, licenseModel, storageType } = seen;
  const open = OPEN_ENGINES[name];
  if (open) return priced(open);
  const aurora = AURORA[name];
  if (aurora) {
    if (storageType === undefined || storageType === 'aurora') return priced(aurora[0]);
    if (storageType === 'aurora-iopt1') return priced(aurora[1]);
    return {
      note: `no price: ${name} storage type ${storageType} is neither Aurora Standard nor I/O-Optimized`,
    };
  }
  if (name === 'oracle-ee' || name === 'oracle-ee-cdb') {
    if (licenseModel === undefined || licenseModel === 'bring-your-own-license')
      return priced('rds:oracle-ee-byol');
    return {
      note: `no price: ${name} with license model ${licenseModel} (RDS sells Oracle EE bring-your-own-license only)`,
    };
  }
  if (name === 'sqlserver-ee' || name === 'sqlserver-se') {
    if (licenseModel === 'license-included')
      return priced(name === 'sqlserver-ee' ? 'rds:sqlserver-ee-li' : 'rds:sqlserver-se-li');
    return {
      note: `no price: ${name} with license model ${licenseModel ?? 'unknown'} (Scalepilot prices SQL Server license-included only)`,
    };
  }
  return { note: `no price: Scalepilot has no price for engine ${name}` };
}

/** The price family of a replication group's node running `seen` (Valkey's nodes cost less than Redis OSS's). */
export function pricedCacheEngine(seen: EngineSeen): PricedEngine {
  if (seen.name === 'redis') return priced('elasticache:redis');
  if (seen.name === 'valkey') return priced('elasticache:valkey');
  return { note: `no price: Scalepilot has no price for engine ${seen.name}` };
}
