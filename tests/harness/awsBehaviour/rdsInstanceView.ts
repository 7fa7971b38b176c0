import { type LayerContext, MINUTE } from './layerContext';
import { editElements, escapeXml, removeChild, setChild, xmlElements, xmlText } from './protocol';
import { type RdsLife, statusAt } from './rdsLife';

/** A create still `creating` this long after it began is stuck (a normal one takes 10-20 minutes). */
const STUCK_SHOWN_AFTER = 30 * MINUTE;

/**
 * An RDS instance as a describe shows it now: its status on the virtual clock, no endpoint while
 * `creating`, its replication StatusInfo, a class change pending, and the source's replicas in other
 * Regions (their ARNs among ReadReplicaDBInstanceIdentifiers). Failed end states and cross-Region replicas
 * are counted here, the first time a describe shows them.
 */
export class RdsInstanceView {
  /** Cross-Region replicas of a source (ARNs RDS lists in ReadReplicaDBInstanceIdentifiers). */
  private readonly crossRegion = new Map<string, string[]>();

  constructor(
    private readonly context: LayerContext,
    private readonly lives: ReadonlyMap<string, RdsLife>,
    /** An instance the layer meets for the first time (a source, something made before it started). */
    private readonly adopt: (element: string) => RdsLife,
  ) {}

  /** A replica of `source` in another Region: listed by its ARN among the source's replicas. */
  addCrossRegionReplica(source: string, arn: string): void {
    this.crossRegion.set(source, [...(this.crossRegion.get(source) ?? []), arn]);
  }

  removeCrossRegionReplica(source: string, arn: string): void {
    this.crossRegion.set(
      source,
      this.crossRegionReplicas(source).filter((a) => a !== arn),
    );
  }

  /** The ARNs of the source's replicas in other Regions, oldest first. */
  crossRegionReplicas(source: string): readonly string[] {
    return this.crossRegion.get(source) ?? [];
  }

  /** A DescribeDBInstances answer as RDS would give it now (an instance met for the first time adopted). */
  showInstances(xml: string): string {
    return editElements(xml, 'DBInstance', (element) => {
      const id = xmlText(element, 'DBInstanceIdentifier') ?? '';
      const life = this.lives.get(id) ?? this.adopt(element);
      return this.edited(element, life);
    });
  }

  /** The `<DBInstance>` of a create or delete answer, as RDS shows it now. */
  showInstance(xml: string, life: RdsLife): string {
    return editElements(xml, 'DBInstance', (element) => this.edited(element, life));
  }

  private readonly counted = new Set<string>();

  /** True the first time `what` is met: an episode is counted once, where a describe first shows it. */
  private once(what: string): boolean {
    if (this.counted.has(what)) return false;
    this.counted.add(what);
    return true;
  }

  /** Counts a replica's failed end state, or a create stuck, the first time a describe shows it. */
  private shown(life: RdsLife, status: string): void {
    const stuckFor = this.context.now() - life.createdAt;
    if (
      life.stuck &&
      status === 'creating' &&
      stuckFor >= STUCK_SHOWN_AFTER &&
      this.once(`stuck ${life.id} ${life.createdAt}`)
    )
      this.context.counts.count('rds.stuckCreating');
    if (
      status === life.endState &&
      status === 'incompatible-parameters' &&
      this.once(`${life.id} ${life.createdAt}`)
    )
      this.context.counts.count('rds.incompatibleParameters');
    if (status === life.endState && status === 'storage-full' && this.once(`${life.id} ${life.createdAt}`))
      this.context.counts.count('rds.storageFull');
    if (status === 'storage-initialization' && this.once(`initializing ${life.id} ${life.createdAt}`))
      this.context.counts.count('rds.storageInitialization');
  }

  /** One `<DBInstance>` as RDS would show it now. */
  private edited(element: string, life: RdsLife): string {
    const { counts } = this.context;
    const now = this.context.now();
    const status = statusAt(life, now);
    this.shown(life, status);
    let out = setChild(element, 'DBInstanceStatus', status);
    // RDS gives an endpoint once the instance is reachable, and its creation time once it exists.
    if (status === 'creating') out = removeChild(removeChild(out, 'Endpoint'), 'InstanceCreateTime');
    else out = setChild(out, 'InstanceCreateTime', new Date(life.createdAt).toISOString());
    if (life.source) {
      const shown = life.replication.shown ? life.replication : { status: 'replicating', message: '' };
      const normal = shown.status === 'replicating';
      out = setChild(
        out,
        'StatusInfos',
        `<DBInstanceStatusInfo><StatusType>read replication</StatusType><Normal>${normal}</Normal><Status>${shown.status}</Status>${shown.message ? `<Message>${escapeXml(shown.message)}</Message>` : ''}</DBInstanceStatusInfo>`,
      );
    }
    const pendingClass = life.pending?.instanceClass;
    if (pendingClass)
      out = setChild(out, 'PendingModifiedValues', `<DBInstanceClass>${pendingClass}</DBInstanceClass>`);
    const arns = this.crossRegion.get(life.id);
    for (const arn of arns ?? [])
      if (this.once(`cross-Region ${arn}`)) counts.count('rds.crossRegionReplica');
    if (arns)
      out = setChild(
        out,
        'ReadReplicaDBInstanceIdentifiers',
        [
          ...xmlElements(out, 'ReadReplicaDBInstanceIdentifier').map((e) => e.text),
          ...arns.map((a) => `<ReadReplicaDBInstanceIdentifier>${a}</ReadReplicaDBInstanceIdentifier>`),
        ].join(''),
      );
    return out;
  }
}
