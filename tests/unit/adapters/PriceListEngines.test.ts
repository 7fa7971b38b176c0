import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { beforeEach, describe, expect, it } from 'vitest';
import { PriceListReader } from '../../../shared/adapters/PriceListReader';
import type { PriceFamily } from '../../../shared/cost/priceTable';
import { mockedClient } from '../../harness/mockedClient';

// The Price List filters of each engine's family (aws-sdk-client-mock: moto has no Pricing API). The RDS and
// ElastiCache filters knew one engine each (PostgreSQL Single-AZ, Redis OSS). The attribute values are the price
// list's own (databaseEngine, databaseEdition, licenseModel, the Aurora `storage` mode, cacheEngine); the filters
// are exact, so one product answers: a filter left out would let another engine's, edition's or storage mode's
// product be read first.
const pricing = mockedClient(PricingClient);
beforeEach(() => pricing.reset());

const term = (Field: string, Value: string) => ({ Type: 'TERM_MATCH', Field, Value });
const singleAz = term('deploymentOption', 'Single-AZ');

describe('each engine’s family asks the Price List for its own product', () => {
  it.each([
    { family: 'rds:postgres', filters: [term('databaseEngine', 'PostgreSQL'), singleAz] },
    { family: 'rds:mysql', filters: [term('databaseEngine', 'MySQL'), singleAz] },
    { family: 'rds:mariadb', filters: [term('databaseEngine', 'MariaDB'), singleAz] },
    {
      family: 'rds:aurora-postgresql',
      filters: [term('databaseEngine', 'Aurora PostgreSQL'), singleAz, term('storage', 'EBS Only')],
    },
    {
      family: 'rds:aurora-postgresql-iopt1',
      filters: [
        term('databaseEngine', 'Aurora PostgreSQL'),
        singleAz,
        term('storage', 'Aurora IO Optimization Mode'),
      ],
    },
    {
      family: 'rds:aurora-mysql',
      filters: [term('databaseEngine', 'Aurora MySQL'), singleAz, term('storage', 'EBS Only')],
    },
    {
      family: 'rds:aurora-mysql-iopt1',
      filters: [
        term('databaseEngine', 'Aurora MySQL'),
        singleAz,
        term('storage', 'Aurora IO Optimization Mode'),
      ],
    },
    {
      family: 'rds:oracle-ee-byol',
      filters: [
        term('databaseEngine', 'Oracle'),
        singleAz,
        term('databaseEdition', 'Enterprise'),
        term('licenseModel', 'Bring your own license'),
      ],
    },
    {
      family: 'rds:sqlserver-ee-li',
      filters: [
        term('databaseEngine', 'SQL Server'),
        singleAz,
        term('databaseEdition', 'Enterprise'),
        term('licenseModel', 'License included'),
      ],
    },
    {
      family: 'rds:sqlserver-se-li',
      filters: [
        term('databaseEngine', 'SQL Server'),
        singleAz,
        term('databaseEdition', 'Standard'),
        term('licenseModel', 'License included'),
      ],
    },
    { family: 'elasticache:redis', filters: [term('cacheEngine', 'Redis')] },
    { family: 'elasticache:valkey', filters: [term('cacheEngine', 'Valkey')] },
  ] as { family: PriceFamily; filters: object[] }[])('$family', async ({ family, filters }) => {
    pricing.on(GetProductsCommand).resolves({ PriceList: [] });
    const type = family.startsWith('elasticache') ? 'cache.r7g.large' : 'db.r7g.large';
    await new PriceListReader({ region: 'us-east-1' }, pricing as unknown as PricingClient).onDemandPrice(
      family,
      'eu-west-1',
      type,
    );
    const input = pricing.commandCalls(GetProductsCommand)[0]?.args[0].input;
    expect(input?.ServiceCode).toBe(family.startsWith('elasticache') ? 'AmazonElastiCache' : 'AmazonRDS');
    expect(input?.Filters).toEqual([term('regionCode', 'eu-west-1'), term('instanceType', type), ...filters]);
  });
});
