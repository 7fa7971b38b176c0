import type { LayerContext } from './layerContext';
import { xmlElements, xmlText } from './protocol';
import { type RdsLife, statusAt } from './rdsLife';

/**
 * Each Aurora cluster's reader endpoint: it routes to the cluster's available readers, draining or not
 * (Scalepilot's drain tag is nothing to it). Each change of its readers is counted as DescribeDBClusters
 * meets it (`aurora.readerEndpoint`).
 */
export class AuroraReaderEndpoints {
  private readonly readerEndpoints = new Map<string, string>();
  /** Each cluster's writer (DBClusterMembers IsClusterWriter): never behind the reader endpoint. */
  private readonly writers = new Set<string>();

  constructor(
    private readonly context: LayerContext,
    private readonly lives: ReadonlyMap<string, RdsLife>,
  ) {}

  /** The readers behind an Aurora cluster's reader endpoint now: its available readers, draining or not. */
  members(cluster: string, now = this.context.now()): string[] {
    return [...this.lives.values()]
      .filter(
        (l) =>
          l.cluster === cluster && !this.writers.has(l.id) && !l.deleted && statusAt(l, now) === 'available',
      )
      .map((l) => l.id)
      .sort();
  }

  /** Counts each change of the readers behind a cluster's reader endpoint, as DescribeDBClusters meets it. */
  watch(xml: string): void {
    for (const member of xmlElements(xml, 'DBClusterMember'))
      if (xmlText(member.text, 'IsClusterWriter') === 'true')
        this.writers.add(xmlText(member.text, 'DBInstanceIdentifier') ?? '');
    for (const id of xmlElements(xml, 'DBClusterIdentifier').map((e) =>
      e.text.replace(/<\/?DBClusterIdentifier>/g, ''),
    )) {
      const members = this.members(id).join(',');
      if (this.readerEndpoints.has(id) && this.readerEndpoints.get(id) !== members)
        this.context.counts.count('aurora.readerEndpoint');
      this.readerEndpoints.set(id, members);
    }
  }
}
