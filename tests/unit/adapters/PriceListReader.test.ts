import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { PriceListReader } from '../../../shared/adapters/PriceListReader';

// aws-sdk-client-mock, because moto has no Pricing API. The product is the shape the Price List API returns
// (a JSON string per product, on-demand terms keyed by offer and rate codes).
const pricing = mockClient(PricingClient);
const product = (usd: string, unit = 'Hrs') =>
  JSON.stringify({
    product: { attributes: { instanceType: 't3.medium', regionCode: 'eu-west-1' } },
    terms: {
      OnDemand: {
        'ABC.JRTCKXETXF': {
          priceDimensions: { 'ABC.JRTCKXETXF.6YS6EN2CT7': { unit, pricePerUnit: { USD: usd } } },
        },
      },
    },
  });

beforeEach(() => pricing.reset());

describe('PriceListReader', () => {
  it('reads the hourly on-demand price of the one Linux shared-tenancy product', async () => {
    pricing.on(GetProductsCommand).resolves({ PriceList: [product('0.0456000000')] });
    const reader = new PriceListReader({ region: 'eu-west-1' }, pricing as unknown as PricingClient);
    expect(await reader.onDemandPrice('ec2', 'eu-west-1', 't3.medium')).toBe(0.0456);
    const input = pricing.commandCalls(GetProductsCommand)[0]?.args[0].input;
    expect(input?.ServiceCode).toBe('AmazonEC2');
    expect(input?.Filters).toContainEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' });
    expect(input?.Filters).toContainEqual({ Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' });
  });

  it.each([
    { name: 'no product', list: [] },
    { name: 'only a zero price', list: [product('0.0000000000')] },
    { name: 'not an hourly price', list: [product('1.0', 'GB-Mo')] },
  ])('has no price when there is $name', async ({ list }) => {
    pricing.on(GetProductsCommand).resolves({ PriceList: list });
    const reader = new PriceListReader({ region: 'us-east-1' }, pricing as unknown as PricingClient);
    expect(await reader.onDemandPrice('rds', 'us-east-1', 'db.t4g.medium')).toBeUndefined();
  });
});
