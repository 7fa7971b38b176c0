import { type Filter, GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { PriceFamily } from '../cost/scalingCost';
import { AwsCallError } from '../errors';
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

/**
 * On-demand hourly prices from the AWS Price List API (served from us-east-1), for refreshing the bundled
 * table: `npx scalepilot prices`.
 */
export class PriceListReader {
  private readonly client: PricingClient;

  constructor(config: AwsConfig, client?: PricingClient) {
    this.client = client ?? new PricingClient(clientOptions({ ...config, region: 'us-east-1' }));
  }

  /** USD per hour, or undefined when the price list has no such product in the region. */
  async onDemandPrice(family: PriceFamily, region: string, type: string): Promise<number | undefined> {
    const { serviceCode, filters } = products[family];
    const response = await this.client
      .send(
        new GetProductsCommand({
          ServiceCode: serviceCode,
          Filters: [term('regionCode', region), term('instanceType', type), ...filters],
          MaxResults: 10,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError(`Pricing GetProducts (${serviceCode} ${type} ${region})`, cause);
      });
    for (const item of response.PriceList ?? []) {
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
}
