import { afterEach, describe, expect, it } from 'vitest';
import { ElastiCacheShardCapacity } from '../../../shared/adapters/ElastiCacheShardCapacity';
import type { KindAction } from '../../../shared/decision/kindModel';
import { AwsCallError, RequestRefusedError } from '../../../shared/errors';
import { cacheTarget } from '../decision/cacheShardsFixtures';
import { closeLocalEndpoints, localEndpoint } from './localEndpoint';

// The real SDK, with its retries, against a local endpoint playing ElastiCache (moto answers the reshard with
// HTTP 500, and a client mock replaces `send`, retries and all): a ModifyReplicationGroupShardConfiguration has
// no idempotency token, so an attempt AWS carried out whose answer was lost is retried, and the retry finds the
// group modifying. Counted as a refusal, its intent was cleared while the reshard ran: it never joined the
// history (no cooldown, no notice of the change) and the target was backed off as if nothing had happened.

const refusal = (code: string) =>
  `<ErrorResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/"><Error><Type>Sender</Type><Code>${code}</Code><Message>Replication group is not in available state.</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

afterEach(closeLocalEndpoints);

/** An endpoint that answers the reshard's attempts in turn: 'lost' never answers (the client times out). */
async function elastiCache(answers: ('lost' | 'refused')[]) {
  const { aws, requests } = await localEndpoint((_, before) =>
    answers[Math.min(before.length, answers.length - 1)] === 'lost'
      ? 'lost'
      : { status: 400, body: refusal('InvalidReplicationGroupState') },
  );
  const adapter = new ElastiCacheShardCapacity(aws, { scalableTargets: {} as never, nodeQuota: {} as never });
  return { adapter, requests };
}

const reshard = { type: 'reshard', desired: 4 } as unknown as KindAction;

describe('a refusal is one AWS gave the only attempt', () => {
  it.each([
    {
      name: 'refused at once: nothing changed (the intent goes)',
      answers: ['refused'] as const,
      attempts: 1,
      refused: true,
    },
    {
      name: 'refused on the retry of an attempt whose answer was lost: it may have resharded (the intent stays)',
      answers: ['lost', 'refused'] as const,
      attempts: 2,
      refused: false,
    },
  ])('$name', async ({ answers, attempts, refused }) => {
    const { adapter, requests } = await elastiCache([...answers]);
    const failed = await adapter.act(cacheTarget(), reshard).catch((e: unknown) => e);
    expect(requests).toHaveLength(attempts);
    expect(failed).toBeInstanceOf(AwsCallError);
    expect(failed instanceof RequestRefusedError).toBe(refused);
    expect(((failed as AwsCallError).cause as Error).name).toBe('InvalidReplicationGroupStateFault');
  });
});
