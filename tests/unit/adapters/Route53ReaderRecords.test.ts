import { afterEach, describe, expect, it } from 'vitest';
import { Route53ReaderRecords } from '../../../shared/adapters/Route53ReaderRecords';
import { AwsCallError } from '../../../shared/errors';
import { closeLocalEndpoints, type LocalAnswer, localEndpoint, type SeenRequest } from './localEndpoint';

// The real SDK, with its retries, against a local endpoint playing Route 53 (moto accepts a DELETE of a record
// it once held, so it never refuses the retry): ChangeResourceRecordSets has no idempotency token, so a batch
// Route 53 applied whose answer was lost is retried, and the retry fails on its own DELETE, as AWS answers it
// (InvalidChangeBatch: "Tried to delete resource record set … but it was not found"). Counted as a failure, the
// sync was ActionFailed and the target backed off, though the records were as the batch meant.

const NAME = 'reader.db.internal.';
const where = { hostedZoneId: 'Z123', recordName: 'reader.db.internal', ttlSeconds: 30 };
const xmlns = 'xmlns="https://route53.amazonaws.com/doc/2013-04-01/"';

/** The zone's weighted CNAMEs under NAME, by set identifier (the address each points at). */
type Zone = Map<string, { readonly value: string; readonly ttl: number }>;

const listed = (zone: Zone) =>
  `<ListResourceRecordSetsResponse ${xmlns}><ResourceRecordSets>${[...zone]
    .map(
      ([id, r]) =>
        `<ResourceRecordSet><Name>${NAME}</Name><Type>CNAME</Type><SetIdentifier>${id}</SetIdentifier><Weight>1</Weight><TTL>${r.ttl}</TTL><ResourceRecords><ResourceRecord><Value>${r.value}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>`,
    )
    .join(
      '',
    )}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListResourceRecordSetsResponse>`;

const changed = `<ChangeResourceRecordSetsResponse ${xmlns}><ChangeInfo><Id>/change/C1</Id><Status>PENDING</Status><SubmittedAt>2026-11-30T12:00:00Z</SubmittedAt></ChangeInfo></ChangeResourceRecordSetsResponse>`;

const notFound = (id: string) =>
  `<ErrorResponse ${xmlns}><Error><Type>Sender</Type><Code>InvalidChangeBatch</Code><Message>[Tried to delete resource record set [name='${NAME}', type='CNAME', set-identifier='${id}'] but it was not found]</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';

/** A change batch as Route 53 applies it: whole, or not at all when a DELETE finds no such record. */
function apply(zone: Zone, body: string): LocalAnswer {
  const changes = [...body.matchAll(/<Change>(.*?)<\/Change>/gs)].map(([, c = '']) => ({
    action: tag(c, 'Action'),
    id: tag(c, 'SetIdentifier'),
    value: tag(c, 'Value'),
    ttl: Number(tag(c, 'TTL')),
  }));
  const missing = changes.find(
    (c) => c.action === 'DELETE' && (zone.get(c.id)?.value !== c.value || zone.get(c.id)?.ttl !== c.ttl),
  );
  if (missing) return { status: 400, body: notFound(missing.id) };
  for (const c of changes)
    if (c.action === 'DELETE') zone.delete(c.id);
    else zone.set(c.id, { value: c.value, ttl: c.ttl });
  return { status: 200, body: changed };
}

const isChange = (r: SeenRequest) => r.method === 'POST';

/** Route 53 over `zone`; `lose` loses the answer to the first change attempt (applied all the same), `before` runs first. */
async function route53(zone: Zone, { lose = false, before = () => {} } = {}) {
  const endpoint = await localEndpoint((request, earlier) => {
    if (!isChange(request)) return { status: 200, body: listed(zone) };
    const first = !earlier.some(isChange);
    if (first) before();
    const answer = apply(zone, request.body);
    return lose && first ? 'lost' : answer;
  });
  return { records: new Route53ReaderRecords(endpoint.aws), requests: endpoint.requests };
}

const zoneOf = (...ids: string[]): Zone => new Map(ids.map((id) => [id, { value: id, ttl: 30 }]));

afterEach(closeLocalEndpoints);

describe('a change batch refused on its own DELETE', () => {
  it.each([
    {
      name: 'retried after a lost answer: applied (the zone holds what the batch meant)',
      lose: true,
      meddle: false,
      changes: 2,
      applied: true,
      after: ['b.rds', 'c.rds'],
    },
    {
      name: 'refused at its only attempt, someone having deleted the record: failed (the zone is not as meant)',
      lose: false,
      meddle: true,
      changes: 1,
      applied: false,
      after: ['b.rds'],
    },
    {
      name: 'retried after a lost answer, someone having changed the records meanwhile: failed',
      lose: true,
      meddle: true,
      changes: 2,
      applied: false,
      after: ['b.rds'],
    },
  ])('$name', async ({ lose, meddle, changes, applied, after }) => {
    const zone = zoneOf('a.rds', 'b.rds');
    // Meddling: someone deletes a.rds between Scalepilot's list and its change (then the batch never applies).
    const { records, requests } = await route53(zone, { lose, before: () => meddle && zone.delete('a.rds') });
    const failed = await records.publish(where, ['b.rds', 'c.rds']).catch((e: unknown) => e);
    expect(requests.filter(isChange)).toHaveLength(changes);
    if (applied) expect(failed).toBeUndefined();
    else {
      expect(failed).toBeInstanceOf(AwsCallError);
      expect(((failed as AwsCallError).cause as Error).name).toBe('InvalidChangeBatch');
    }
    expect([...zone.keys()].sort()).toEqual(after);
  });
});
