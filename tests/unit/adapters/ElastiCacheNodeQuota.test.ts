import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ElastiCacheNodeQuota,
  FAILED_QUOTA_READ_KEPT_MS,
} from '../../../shared/adapters/ElastiCacheNodeQuota';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto's Service Quotas knows only VPC's quotas (the behaviour layer plays
// ElastiCache's for the soak: tests/harness/awsBehaviour/serviceQuotas.ts); this shows the read over time.

const quotas = mockedClient(ServiceQuotasClient);
const config = { region: 'eu-west-1' };
const throttled = Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });

describe('ElastiCacheNodeQuota', () => {
  beforeEach(() => quotas.reset());

  it('keeps a value read for the container: one call however often it is asked', async () => {
    quotas.on(GetServiceQuotaCommand).resolves({ Quota: { Value: 250 } });
    let clock = 0;
    const quota = new ElastiCacheNodeQuota(config, new ServiceQuotasClient({}), () => clock);
    expect(await quota.nodesPerCluster()).toEqual({ value: 250, source: 'service-quotas' });
    clock += 24 * 3_600_000;
    expect((await quota.nodesPerCluster()).value).toBe(250);
    expect(quotas.commandCalls(GetServiceQuotaCommand)).toHaveLength(1);
  });

  it.each([
    {
      name: 'asked again before the wait: the default, no call',
      after: FAILED_QUOTA_READ_KEPT_MS - 1,
      value: 90,
      calls: 1,
    },
    {
      name: 'asked again after the wait: the raised quota is read',
      after: FAILED_QUOTA_READ_KEPT_MS,
      value: 250,
      calls: 2,
    },
  ])(
    'a throttled read stands in the default for a while, not for the container: $name',
    async ({ after, value, calls }) => {
      quotas
        .on(GetServiceQuotaCommand)
        .rejectsOnce(throttled)
        .resolves({ Quota: { Value: 250 } });
      let clock = 1_000;
      const quota = new ElastiCacheNodeQuota(config, new ServiceQuotasClient({}), () => clock);
      const first = await quota.nodesPerCluster();
      expect(first.value).toBe(90);
      expect(first.source).toContain('TooManyRequestsException');
      clock += after;
      expect((await quota.nodesPerCluster()).value).toBe(value);
      expect(quotas.commandCalls(GetServiceQuotaCommand)).toHaveLength(calls);
    },
  );
});
