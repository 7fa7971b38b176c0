import { describe, expect, it } from 'vitest';
import { AVAILABILITY_ZONE, REGION_CODE } from '../../../shared/policy/awsLocations';

// AWS's own location names, each partition's form (the European Sovereign Cloud's four-letter prefix was refused
// before), and what is not one.
describe('AWS location names', () => {
  it.each([
    { name: 'a commercial Region', code: 'us-east-1', region: true },
    { name: 'GovCloud', code: 'us-gov-west-1', region: true },
    { name: 'an isolated Region', code: 'us-isob-east-1', region: true },
    { name: 'China', code: 'cn-northwest-1', region: true },
    { name: 'the European Sovereign Cloud', code: 'eusc-de-east-1', region: true },
    { name: 'a two-digit number', code: 'ap-southeast-10', region: true },
    { name: 'a wildcard', code: '*', region: false },
    { name: 'a Region without its number', code: 'us-east', region: false },
    { name: 'an Availability Zone', code: 'us-east-1a', region: false },
    { name: 'upper case', code: 'US-EAST-1', region: false },
    { name: 'a five-letter prefix', code: 'abcde-east-1', region: false },
  ])('Region code: $name ($code)', ({ code, region }) => {
    expect(REGION_CODE.test(code)).toBe(region);
  });

  it.each([
    { name: 'a commercial zone', code: 'us-east-1b', zone: true },
    { name: 'a GovCloud zone', code: 'us-gov-west-1a', zone: true },
    { name: 'a European Sovereign Cloud zone', code: 'eusc-de-east-1a', zone: true },
    { name: 'a Local Zone', code: 'us-west-2-lax-1a', zone: true },
    { name: 'a Region', code: 'us-east-1', zone: false },
    { name: 'a wildcard', code: 'us-east-1*', zone: false },
    { name: 'a zone id', code: 'use1-az1', zone: false },
  ])('Availability Zone: $name ($code)', ({ code, zone }) => {
    expect(AVAILABILITY_ZONE.test(code)).toBe(zone);
  });
});
