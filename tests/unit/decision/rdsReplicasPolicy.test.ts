import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../shared/errors';
import { rdsTarget } from './rdsReplicasFixtures';

// The RDS keys of issue 12: defaults, and bad values refused with their place (each key's behaviour is
// tested with the gates, the placement and the adapters).

describe('rds-replicas policy keys', () => {
  it('defaults: drain 300 s, no fallbacks, no reader discovery, an instance source', () => {
    expect(rdsTarget()).toMatchObject({
      drainSeconds: 300,
      fallbackInstanceClasses: [],
      fallbackAvailabilityZones: [],
      aurora: false,
    });
    expect(rdsTarget().readerDiscovery).toBeUndefined();
  });

  it.each([
    { name: 'drainSeconds above an hour', value: { drainSeconds: 3601 }, where: /"events-db".drainSeconds/ },
    {
      name: 'a fallback class that is not an RDS class',
      value: { fallbackInstanceClasses: ['r6g.large'] },
      where: /fallbackInstanceClasses.*must be an RDS instance class/,
    },
    {
      name: 'a fallback AZ that is not an AZ',
      value: { fallbackAvailabilityZones: ['us-east-1'] },
      where: /fallbackAvailabilityZones.*Availability Zone/,
    },
    {
      name: 'reader discovery naming nothing',
      value: { readerDiscovery: {} },
      where: /readerDiscovery.*route53 or ssmParameterName/,
    },
    {
      name: 'a hosted zone id with a wildcard (IAM)',
      value: { readerDiscovery: { route53: { hostedZoneId: 'Z*', recordName: 'r.db.internal' } } },
      where: /hostedZoneId.*hosted zone id/,
    },
    {
      name: 'a record name that is not a DNS name',
      value: { readerDiscovery: { route53: { hostedZoneId: 'Z1', recordName: '*.db' } } },
      where: /recordName.*DNS name/,
    },
    {
      name: 'an SSM name without a leading slash',
      value: { readerDiscovery: { ssmParameterName: 'readers' } },
      where: /ssmParameterName.*starting with \//,
    },
    {
      name: 'an unknown discovery key',
      value: { readerDiscovery: { ssmParameterName: '/r', consul: true } },
      where: /readerDiscovery.*consul/,
    },
  ])('refuses $name, naming the place', ({ value, where }) => {
    try {
      rdsTarget(value);
      expect.unreachable('validated');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyValidationError);
      expect((error as Error).message).toMatch(where);
    }
  });
});
