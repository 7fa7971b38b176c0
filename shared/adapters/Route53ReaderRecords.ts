import {
  type Change,
  ChangeResourceRecordSetsCommand,
  InvalidChangeBatch,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { AwsCallError, RequestRefusedError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** Where the weighted records live: a private hosted zone and one record name. */
export interface ReaderRecordName {
  readonly hostedZoneId: string;
  readonly recordName: string;
  readonly ttlSeconds: number;
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();
const unqualified = (name: string) => name.replace(/\.$/, '');

/** The IAM actions Route53ReaderRecords calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const route53ReaderRecordsIam: IamActions = {
  read: ['route53:ListResourceRecordSets'],
  write: ['route53:ChangeResourceRecordSets'],
};

/**
 * Reader discovery through Route 53: one weighted CNAME per available reader (equal weights, the
 * endpoint address as set identifier) under one name in a private zone, so clients resolve a reader the
 * way Aurora's reader endpoint lets them. One list and one change batch per sync.
 */
export class Route53ReaderRecords {
  private readonly client: Route53Client;

  constructor(config: AwsConfig, client?: Route53Client) {
    this.client = client ?? new Route53Client(clientOptions(config));
  }

  /**
   * The addresses the weighted records point at now, with the policy's TTL: a record with another TTL is not
   * published as the policy says (a `ttlSeconds` changed alone), so the next sync writes it again.
   */
  async published(where: ReaderRecordName): Promise<string[]> {
    return (await this.weighted(where))
      .filter((r) => r.TTL === where.ttlSeconds)
      .map((r) => unqualified(r.ResourceRecords?.[0]?.Value ?? ''))
      .sort();
  }

  /** Makes the weighted records exactly `endpoints` (addresses): upserts the wanted, deletes the rest. */
  async publish(where: ReaderRecordName, endpoints: readonly string[]): Promise<void> {
    const all = await this.records(where);
    // Route 53 takes no weighted CNAME beside a plain one of the same name: say so, rather than its refusal.
    const plain = all.find((r) => r.SetIdentifier === undefined);
    if (plain)
      throw new RequestRefusedError(
        'Route 53 ChangeResourceRecordSets',
        new Error(
          `${where.recordName} already has a CNAME record of its own (to ${unqualified(plain.ResourceRecords?.[0]?.Value ?? '?')}, no set identifier), which Route 53 does not allow beside weighted ones: Scalepilot leaves it alone; delete it, or set readerDiscovery.route53.recordName to another name`,
        ),
      );
    const wanted = new Set(endpoints);
    const changes = changesFor(
      where,
      all.filter((r) => r.SetIdentifier !== undefined),
      wanted,
    );
    if (changes.length === 0) return;
    await this.client
      .send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: where.hostedZoneId,
          ChangeBatch: { Comment: 'Scalepilot reader discovery', Changes: changes },
        }),
      )
      .catch(async (cause: unknown) => {
        // The SDK retries an attempt whose answer was lost, and Route 53 may have applied it: the retry then
        // fails on its own DELETE (InvalidChangeBatch, "Tried to delete resource record set … but it was not
        // found"; a batch is applied whole or not at all). When the zone holds what the batch meant to leave,
        // it was applied; else it failed (someone changed the records meanwhile), and the next run syncs again.
        if (cause instanceof InvalidChangeBatch && (await this.holds(where, wanted).catch(() => false)))
          return;
        throw new AwsCallError('Route 53 ChangeResourceRecordSets', cause);
      });
  }

  /** The weighted records are exactly `endpoints`, each with the policy's TTL. */
  private async holds(where: ReaderRecordName, endpoints: ReadonlySet<string>): Promise<boolean> {
    const now = await this.weighted(where);
    const kept = new Set(now.filter((r) => r.TTL === where.ttlSeconds).map(pointsAt));
    return (
      now.length === endpoints.size &&
      kept.size === endpoints.size &&
      [...kept].every((e) => endpoints.has(e))
    );
  }

  private async weighted(where: ReaderRecordName) {
    return (await this.records(where)).filter((r) => r.SetIdentifier !== undefined);
  }

  /** The CNAME records of the name, weighted or not. */
  private async records(where: ReaderRecordName) {
    const name = fqdn(where.recordName);
    const response = await this.client
      .send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: where.hostedZoneId,
          StartRecordName: name,
          StartRecordType: 'CNAME',
          MaxItems: 100,
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('Route 53 ListResourceRecordSets', cause);
      });
    return (response.ResourceRecordSets ?? []).filter(
      (r) => fqdn(r.Name ?? '') === name && r.Type === 'CNAME',
    );
  }
}

/** The address a weighted record points at. */
const pointsAt = (r: ResourceRecordSet) => unqualified(r.ResourceRecords?.[0]?.Value ?? '');

/** The batch that makes the weighted records exactly `wanted`: the others deleted, the missing upserted. */
function changesFor(
  where: ReaderRecordName,
  existing: readonly ResourceRecordSet[],
  wanted: ReadonlySet<string>,
): Change[] {
  return [
    ...existing
      .filter((r) => !wanted.has(pointsAt(r)))
      .map((r): Change => ({ Action: 'DELETE', ResourceRecordSet: r })),
    ...[...wanted]
      .filter((e) => !existing.some((r) => pointsAt(r) === e && r.TTL === where.ttlSeconds))
      .map(
        (e): Change => ({
          Action: 'UPSERT',
          ResourceRecordSet: {
            Name: fqdn(where.recordName),
            Type: 'CNAME',
            SetIdentifier: e,
            Weight: 1,
            TTL: where.ttlSeconds,
            ResourceRecords: [{ Value: e }],
          },
        }),
      ),
  ];
}
