import type { RdsReplicasTarget } from '../policy/schema';
import { replicaLimit } from './rdsReplicas';

/** What the account says about an RDS target's source, as read by the adapter (one or two describes). */
export interface RdsSourceFacts {
  /** The DB instance of that identifier, if one exists. */
  readonly instance?: {
    readonly engine: string;
    readonly status: string;
    /** Set when the instance is itself a read replica. */
    readonly replicaOf?: string;
    /** Set when the instance is a member of an Aurora cluster. */
    readonly clusterId?: string;
    readonly backupRetentionDays: number;
    readonly replicas: number;
    /** Replicas not created by Scalepilot for this target (they count against the limit too). */
    readonly otherReplicas: number;
  };
  /** The Aurora DB cluster of that identifier, if one exists. */
  readonly cluster?: {
    readonly engine: string;
    readonly status: string;
    readonly readers: number;
    readonly otherReaders: number;
  };
}

/**
 * Engines whose instances take read replicas (Aurora is a cluster, checked as such). Not Oracle SE2: "Oracle
 * replicas are supported only for Oracle Enterprise Edition" (RDS User Guide, Requirements and considerations
 * for RDS for Oracle replicas).
 */
const REPLICA_ENGINES = /^(mysql|mariadb|postgres|oracle-ee|oracle-ee-cdb|sqlserver-ee|sqlserver-se)$/;

/**
 * The problems that keep Scalepilot from managing this target's replicas, one sentence each (none: ready):
 * the source exists and is of the kind the policy says, is not itself a replica, has an engine with read
 * replicas and automated backups on (RDS creates a replica from them), and the policy's maximum fits the
 * replica limit next to the replicas made by hand.
 */
export function rdsPrerequisiteProblems(target: RdsReplicasTarget, facts: RdsSourceFacts): string[] {
  const id = target.sourceDbInstanceIdentifier;
  const max = target.capacity.max;
  if (target.aurora) {
    const { cluster } = facts;
    if (!cluster)
      return [
        facts.instance
          ? `${id} is a DB instance, not an Aurora cluster: remove aurora: true`
          : `no Aurora DB cluster ${id} in this account and region`,
      ];
    const problems: string[] = [];
    if (!cluster.engine.startsWith('aurora'))
      problems.push(
        `cluster ${id} runs ${cluster.engine}, not Aurora: readers cannot be added to it as instances`,
      );
    const limit = replicaLimit(cluster.engine, true);
    if (max + cluster.otherReaders > limit)
      problems.push(
        `capacity.max ${max} plus ${cluster.otherReaders} reader(s) made by hand exceeds Aurora's ${limit} readers per cluster`,
      );
    return problems;
  }
  const { instance } = facts;
  if (!instance)
    return [
      facts.cluster
        ? `${id} is an Aurora DB cluster: set aurora: true (readers are added to the cluster)`
        : `no DB instance ${id} in this account and region`,
    ];
  if (instance.clusterId)
    return [
      `${id} is a member of Aurora cluster ${instance.clusterId}: name the cluster and set aurora: true`,
    ];
  const problems: string[] = [];
  if (instance.replicaOf)
    problems.push(`${id} is itself a read replica of ${instance.replicaOf}: name the source instance`);
  if (!REPLICA_ENGINES.test(instance.engine))
    problems.push(`engine ${instance.engine} has no read replicas Scalepilot can manage`);
  if (instance.backupRetentionDays === 0)
    problems.push(
      `automated backups are off (BackupRetentionPeriod 0): RDS creates read replicas from them (MySQL and MariaDB refuse without)`,
    );
  const limit = replicaLimit(instance.engine, false);
  if (max + instance.otherReplicas > limit)
    problems.push(
      `capacity.max ${max} plus ${instance.otherReplicas} replica(s) made by hand exceeds the ${limit} read replicas ${instance.engine} allows per source`,
    );
  return problems;
}

/** The private zone reader discovery writes to, as Route 53 describes it (undefined: not found). */
export interface ReaderZoneFacts {
  readonly name: string;
  readonly privateZone: boolean;
}

/**
 * What keeps reader discovery from working: the zone missing or public, the record name outside it or its apex
 * (DNS allows no CNAME at a zone's apex: Route 53 refuses every change batch there).
 */
export function readerDiscoveryProblems(
  target: RdsReplicasTarget,
  zone: ReaderZoneFacts | undefined,
): string[] {
  const route53 = target.readerDiscovery?.route53;
  if (!route53) return [];
  if (!zone) return [`readerDiscovery.route53: no hosted zone ${route53.hostedZoneId} in this account`];
  const problems: string[] = [];
  if (!zone.privateZone)
    problems.push(
      `readerDiscovery.route53: hosted zone ${route53.hostedZoneId} (${zone.name}) is public: reader records belong in a private zone`,
    );
  const zoneName = zone.name.toLowerCase().replace(/\.$/, '');
  const record = route53.recordName.replace(/\.$/, '');
  if (record === zoneName)
    problems.push(
      `readerDiscovery.route53: ${record} is the apex of hosted zone ${zoneName}, where no CNAME may be: name one inside it, e.g. reader.${zoneName}`,
    );
  else if (!record.endsWith(`.${zoneName}`))
    problems.push(`readerDiscovery.route53: ${record} is not inside hosted zone ${zoneName}`);
  return problems;
}
