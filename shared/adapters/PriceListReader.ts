import { type Filter, GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { currentFamily, type EngineFamily, type PriceFamily } from '../cost/priceTable';
import { AwsCallError, ScalingError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';

const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

interface Product {
  readonly serviceCode: string;
  readonly filters: Filter[];
}

/** An RDS instance product: a replica or an Aurora reader is a Single-AZ instance of its engine. */
const rds = (databaseEngine: string, ...more: Filter[]): Product => ({
  serviceCode: 'AmazonRDS',
  filters: [term('databaseEngine', databaseEngine), term('deploymentOption', 'Single-AZ'), ...more],
});
// The price list's Aurora instances come in two storage modes at different prices, one product each.
const auroraStandard = term('storage', 'EBS Only');
const auroraIoOptimized = term('storage', 'Aurora IO Optimization Mode');
const cache = (cacheEngine: string): Product => ({
  serviceCode: 'AmazonElastiCache',
  filters: [term('cacheEngine', cacheEngine)],
});

/** The Price List filters that pick the one on-demand product each family prices, per type and region. */
const products: Record<'ec2' | EngineFamily, Product> = {
  ec2: {
    serviceCode: 'AmazonEC2',
    filters: [
      term('operatingSystem', 'Linux'),
      term('tenancy', 'Shared'),
      term('preInstalledSw', 'NA'),
      term('capacitystatus', 'Used'),
      term('licenseModel', 'No License required'),
    ],
  },
  'rds:postgres': rds('PostgreSQL'),
  'rds:mysql': rds('MySQL'),
  'rds:mariadb': rds('MariaDB'),
  'rds:aurora-postgresql': rds('Aurora PostgreSQL', auroraStandard),
  'rds:aurora-postgresql-iopt1': rds('Aurora PostgreSQL', auroraIoOptimized),
  'rds:aurora-mysql': rds('Aurora MySQL', auroraStandard),
  'rds:aurora-mysql-iopt1': rds('Aurora MySQL', auroraIoOptimized),
  'rds:oracle-ee-byol': rds(
    'Oracle',
    term('databaseEdition', 'Enterprise'),
    term('licenseModel', 'Bring your own license'),
  ),
  'rds:sqlserver-ee-li': rds(
    'SQL Server',
    term('databaseEdition', 'Enterprise'),
    term('licenseModel', 'License included'),
  ),
  'rds:sqlserver-se-li': rds(
    'SQL Server',
    term('databaseEdition', 'Standard'),
    term('licenseModel', 'License included'),
  ),
  'elasticache:redis': cache('Redis'),
  'elasticache:valkey': cache('Valkey'),
};

/** Products a GetProducts page holds at most (its MaxResults range is 1 to 100). */
export const PRODUCTS_PER_PAGE = 100;

/**
 * The most pages one price is looked for in. The filters pick one type's on-demand products in one region: a
 * handful, a page. A list that runs past 20 pages (2,000 products) without an hourly price means the filters
 * no longer pick what they should (an attribute renamed in the price list), and reading on would only page
 * through the service's whole catalogue at the API's rate.
 */
export const MAX_PRICE_PAGES = 20;

/**
 * On-demand hourly prices from the AWS Price List API (served from us-east-1), for refreshing the bundled
 * table: `npx scalepilot prices`. GetProducts answers in pages; pages are read (each page's `NextToken`)
 * until one holds a price or a page has no token: the priced product may be on any page, not only the first.
 */
export class PriceListReader {
  private readonly client: PricingClient;

  constructor(config: AwsConfig, client?: PricingClient) {
    this.client = client ?? new PricingClient(clientOptions({ ...config, region: 'us-east-1' }));
  }

  /**
   * USD per hour, or undefined when the price list has no such product in the region. A list still going on
   * after `MAX_PRICE_PAGES` pages without a price is a ScalingError naming the product, not a missing price.
   */
  async onDemandPrice(family: PriceFamily, region: string, type: string): Promise<number | undefined> {
    // A legacy family (`rds`, `elasticache`) is PostgreSQL's or Redis OSS's.
    const { serviceCode, filters } = products[currentFamily(family)];
    const what = `${serviceCode} ${type} ${region}`;
    let nextToken: string | undefined;
    for (let page = 1; page <= MAX_PRICE_PAGES; page += 1) {
      const response = await this.client
        .send(
          new GetProductsCommand({
            ServiceCode: serviceCode,
            Filters: [term('regionCode', region), term('instanceType', type), ...filters],
            MaxResults: PRODUCTS_PER_PAGE,
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        )
        .catch((cause: unknown) => {
          throw new AwsCallError(`Pricing GetProducts (${what}, page ${page})`, cause);
        });
      const usd = hourlyPrice(response.PriceList ?? []);
      if (usd !== undefined) return usd;
      nextToken = response.NextToken;
      if (!nextToken) return undefined;
    }
    throw new ScalingError(
      `Pricing GetProducts (${what}): no hourly on-demand price in ${MAX_PRICE_PAGES} pages of ${PRODUCTS_PER_PAGE} products, and the list goes on: the filters no longer pick one product (shared/adapters/PriceListReader.ts)`,
    );
  }
}

/** The first hourly on-demand USD price above 0 among a page's products. */
function hourlyPrice(priceList: readonly unknown[]): number | undefined {
  for (const item of priceList) {
    // Each item is a product's JSON text, which the SDK hands over as a LazyJsonString (a String object):
    // JSON.stringify of it quotes the text again, and parsing that gave back a string with no terms.
    const product = JSON.parse(String(item));
    for (const offer of Object.values(product.terms?.OnDemand ?? {}) as { priceDimensions?: object }[])
      for (const dimension of Object.values(offer.priceDimensions ?? {}) as {
        unit?: string;
        pricePerUnit?: { USD?: string };
      }[]) {
        const usd = Number(dimension.pricePerUnit?.USD);
        if (dimension.unit === 'Hrs' && usd > 0) return usd;
      }
  }
  return undefined;
}
