import type { RdsReplicasTarget } from '../policy/schema';
import type { AwsConfig } from './awsConfig';
import type { IamActions } from './iamActions';
import { Route53ReaderRecords } from './Route53ReaderRecords';
import { SsmReaderEndpoints } from './SsmReaderEndpoints';

/** Reader discovery as the RDS scaler uses it: what is published, and publishing a new set. */
export interface ReaderDiscovery {
  /**
   * The addresses published now, the same in every place the policy names; undefined when it names none, or
   * when the Route 53 records and the SSM parameter disagree (neither is then what is published: a sync is due).
   */
  published(target: RdsReplicasTarget): Promise<string[] | undefined>;
  /** Publishes exactly these addresses everywhere the policy names. */
  publish(target: RdsReplicasTarget, endpoints: readonly string[]): Promise<void>;
}

/** The IAM actions RdsReaderDiscovery calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const rdsReaderDiscoveryIam: IamActions = {
  // Its calls go through the Route 53 and SSM adapters it constructs.
  read: [],
  write: [],
};

/** The Route 53 records and the SSM parameter a target's `readerDiscovery` names. */
export class RdsReaderDiscovery implements ReaderDiscovery {
  constructor(
    private readonly records: Pick<Route53ReaderRecords, 'published' | 'publish'>,
    private readonly parameters: Pick<SsmReaderEndpoints, 'published' | 'publish'>,
  ) {}

  static forAccount(aws: AwsConfig): RdsReaderDiscovery {
    return new RdsReaderDiscovery(new Route53ReaderRecords(aws), new SsmReaderEndpoints(aws));
  }

  async published(target: RdsReplicasTarget): Promise<string[] | undefined> {
    const d = target.readerDiscovery;
    if (!d) return undefined;
    // Both are read: records deleted by hand, or a route53 added to a policy whose parameter is already in
    // sync, would otherwise never be written again (the parameter alone said all was published).
    const [records, parameter] = await Promise.all([
      d.route53 ? this.records.published(d.route53) : undefined,
      d.ssmParameterName ? this.parameters.published(d.ssmParameterName) : undefined,
    ]);
    if (records && parameter) return sameList(records, parameter) ? parameter : undefined;
    return parameter ?? records;
  }

  async publish(target: RdsReplicasTarget, endpoints: readonly string[]): Promise<void> {
    const d = target.readerDiscovery;
    if (!d) return;
    if (d.route53) await this.records.publish(d.route53, endpoints);
    if (d.ssmParameterName) await this.parameters.publish(d.ssmParameterName, endpoints);
  }
}

/** Both lists come sorted from their adapters. */
const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);
