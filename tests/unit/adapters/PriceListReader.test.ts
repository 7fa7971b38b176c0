import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_PRICE_PAGES,
  PRODUCTS_PER_PAGE,
  PriceListReader,
} from '../../../shared/adapters/PriceListReader';
import { ScalingError } from '../../../shared/errors';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto has no Pricing API (the moto the tests install, 5.2, has no `pricing`
// backend: a GetProducts call to it is answered as an unknown service). The product is the shape the Price List
// API returns (a JSON string per product, on-demand terms keyed by offer and rate codes).
const pricing = mockedClient(PricingClient);
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

  // Defect (fuzzing audit): only the first page (10 products) was read, so a price on page two was "no price"
  // and `scalepilot prices` kept the table's old one. GetProducts pages with NextToken.
  it.each([
    {
      name: 'the price on page two, after a page of products with none',
      pages: [
        { PriceList: [product('0'), product('1.0', 'GB-Mo')], NextToken: 't2' },
        { PriceList: [product('0.0832')] },
      ],
      want: 0.0832,
      tokens: [undefined, 't2'],
    },
    {
      name: 'the price on page three, after an empty page that still has a token',
      pages: [
        { PriceList: [product('0')], NextToken: 't2' },
        { PriceList: [], NextToken: 't3' },
        { PriceList: [product('0.19')], NextToken: 't4' },
      ],
      want: 0.19,
      tokens: [undefined, 't2', 't3'],
    },
    {
      name: 'no price on any page: the last page has no token',
      pages: [{ PriceList: [product('0')], NextToken: 't2' }, { PriceList: [product('0')] }],
      want: undefined,
      tokens: [undefined, 't2'],
    },
  ])('reads on through the pages: $name', async ({ pages, want, tokens }) => {
    let call = 0;
    pricing.on(GetProductsCommand).callsFake(async () => pages[call++] ?? {});
    const reader = new PriceListReader({ region: 'eu-west-1' }, pricing as unknown as PricingClient);
    expect(await reader.onDemandPrice('ec2', 'eu-west-1', 't3.medium')).toBe(want);
    const inputs = pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => i.NextToken)).toEqual(tokens);
    expect(inputs.every((i) => i.MaxResults === PRODUCTS_PER_PAGE)).toBe(true);
  });

  it(`stops after ${MAX_PRICE_PAGES} pages without a price, with an error naming the product (not a missing price)`, async () => {
    let call = 0;
    pricing
      .on(GetProductsCommand)
      .callsFake(async () => ({ PriceList: [product('0')], NextToken: `t${++call}` }));
    const reader = new PriceListReader({ region: 'eu-west-1' }, pricing as unknown as PricingClient);
    const read = reader.onDemandPrice('elasticache', 'eu-west-1', 'cache.r7g.large');
    await expect(read).rejects.toThrow(ScalingError);
    await expect(read).rejects.toThrow(
      `Pricing GetProducts (AmazonElastiCache cache.r7g.large eu-west-1): no hourly on-demand price in ${MAX_PRICE_PAGES} pages of ${PRODUCTS_PER_PAGE} products, and the list goes on`,
    );
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(MAX_PRICE_PAGES);
  });

  it('names the page of a GetProducts call that failed', async () => {
    pricing
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: [product('0')], NextToken: 't2' })
      .rejectsOnce(new Error('Rate exceeded'));
    const reader = new PriceListReader({ region: 'us-east-1' }, pricing as unknown as PricingClient);
    await expect(reader.onDemandPrice('rds', 'us-east-1', 'db.r7g.large')).rejects.toThrow(
      'Pricing GetProducts (AmazonRDS db.r7g.large us-east-1, page 2) failed: Rate exceeded',
    );
  });
});
