import type { RdsReplicasTarget } from '../policy/schema';
import type { AwsConfig } from './awsConfig';
import type { IamActions } from './iamActions';
import { Route53ReaderRecords } from './Route53ReaderRecords';
import { SsmReaderEndpoints } from './SsmReaderEndpoints';

/** Reader discovery as the RDS scaler uses it: what is published, and publishing a new set. */
export interface ReaderDiscovery {
  /** The addresses published now (the SSM parameter when there is one, else the Route 53 records). */
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
    if (d.ssmParameterName) return this.parameters.published(d.ssmParameterName);
    if (d.route53) return this.records.published(d.route53);
    return undefined;
  }

  async publish(target: RdsReplicasTarget, endpoints: readonly string[]): Promise<void> {
    const d = target.readerDiscovery;
    if (!d) return;
    if (d.route53) await this.records.publish(d.route53, endpoints);
    if (d.ssmParameterName) await this.parameters.publish(d.ssmParameterName, endpoints);
  }
}
