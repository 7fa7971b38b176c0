import { Readable } from 'node:stream';
import { PricingClient } from '@aws-sdk/client-pricing';
import { describe, expect, it } from 'vitest';
import { PriceListReader } from '../../../shared/adapters/PriceListReader';

// The real client with its HTTP answered in memory, not aws-sdk-client-mock (PriceListReader.test.ts): a mock
// hands back the plain string it is given, while the SDK's own deserializer turns each product's JSON text into
// a LazyJsonString, a String object (aws/aws-sdk-js-v3#2202), which is what the reader gets from AWS. moto has
// no Pricing API.
function answering(body: object): PricingClient {
  return new PricingClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify(body))]),
        },
      }),
    },
  });
}

/** One product as GetProducts lists it: its JSON text, on-demand terms keyed by offer and rate codes. */
const product = (usd: string) =>
  JSON.stringify({
    product: { attributes: { instanceType: 't3.medium', regionCode: 'eu-west-1' } },
    terms: {
      OnDemand: {
        'ABC.JRTCKXETXF': {
          priceDimensions: { 'ABC.JRTCKXETXF.6YS6EN2CT7': { unit: 'Hrs', pricePerUnit: { USD: usd } } },
        },
      },
    },
  });

describe('PriceListReader through the SDK deserializer', () => {
  // Defect: the LazyJsonString went through JSON.stringify, which quoted the text again, so every product parsed
  // to a string with no terms: no price at all, and `scalepilot prices` wrote the region's table back empty.
  it.each([
    { name: 'one product', list: [product('0.0456000000')], want: 0.0456 },
    { name: 'a zero price, then the priced product', list: [product('0'), product('0.0832')], want: 0.0832 },
  ])('reads the hourly price of products the SDK deserialized: $name', async ({ list, want }) => {
    const reader = new PriceListReader(
      { region: 'eu-west-1' },
      answering({ FormatVersion: 'aws_v1', PriceList: list }),
    );
    expect(await reader.onDemandPrice('ec2', 'eu-west-1', 't3.medium')).toBe(want);
  });
});
