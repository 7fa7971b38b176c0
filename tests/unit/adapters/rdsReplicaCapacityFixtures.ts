import { type DBInstance, RDSClient } from '@aws-sdk/client-rds';
import type { ReaderDiscovery } from '../../../shared/adapters/RdsReaderDiscovery';
import { type CreateAttempt, RdsReplicaCapacity } from '../../../shared/adapters/RdsReplicaCapacity';
import type { RdsScalableTargets } from '../../../shared/adapters/RdsScalableTargets';
import { mockedClient } from '../../harness/mockedClient';

// What the RdsReplicaCapacity*.test.ts files share: the mocked RDS client (each file resets it before each
// test), the source's names, and the adapter on it.

/** The RDS client every adapter here sends through, mocked. */
export const rds = mockedClient(RDSClient);
export const SOURCE = 'event-platform-db';
export const sp = (n: number) => `${SOURCE}-sp-${n}`;
export const aws = { region: 'us-east-1' };

function recordingDiscovery() {
  const published: string[][] = [];
  const discovery: ReaderDiscovery = {
    published: async () => undefined,
    publish: async (_t, endpoints) => void published.push([...endpoints]),
  };
  return { published, discovery };
}

/** Aurora Auto Scaling reads no targets on the cluster (its refusal is tested through the layer). */
export const noNativeScaling = { of: async () => [] } as unknown as RdsScalableTargets;

/** The adapter on the mocked client, with no Aurora Auto Scaling; `published`: what it gave reader discovery. */
export function adapter(extra: { onAttempt?: (a: CreateAttempt) => void; stage?: string } = {}) {
  const { published, discovery } = recordingDiscovery();
  return {
    scaler: new RdsReplicaCapacity(aws, {
      client: new RDSClient(aws),
      discovery,
      scalableTargets: noNativeScaling,
      ...extra,
    }),
    published,
  };
}

/** The instance with Scalepilot's tags: managed, for `target`. */
export const tagged = (i: DBInstance, target = 'events-db'): DBInstance => ({
  ...i,
  TagList: [
    { Key: 'scalepilot:managed', Value: 'true' },
    { Key: 'scalepilot:target', Value: target },
  ],
});
