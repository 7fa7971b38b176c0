import { type Filter, GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { PriceFamily } from '../cost/scalingCost';
import { AwsCallError, ScalingError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';

const term = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });

/** The price list filters that pick the one on-demand product the bundled table prices. */
const products: Record<PriceFamily, { serviceCode: string; filters: Filter[] }> = {
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
  rds: {
    serviceCode: 'AmazonRDS',
    filters: [term('databaseEngine', 'PostgreSQL'), term('deploymentOption', 'Single-AZ')],
  },
  elasticache: { serviceCode: 'AmazonElastiCache', filters: [term('cacheEngine', 'Redis')] },
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
    const { serviceCode, filters } = products[family];
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
