import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import { MINUTE } from './layerContext';
import { type AwsCall, escapeXml, listParam, queryResult } from './protocol';
import type { RdsLife } from './rdsLife';

/** An RDS event (DescribeEvents), on the virtual clock. */
interface RdsEvent {
  readonly at: number;
  readonly source: string;
  readonly type: 'db-instance' | 'db-cluster';
  readonly message: string;
  readonly categories: readonly string[];
}

/**
 * What RDS tells of its instances over time: its events (DescribeEvents, each start and end of a life
 * cycle step on the virtual clock) and the changes waiting for a maintenance window
 * (DescribePendingMaintenanceActions).
 */
export class RdsEvents {
  private readonly events: RdsEvent[] = [];

  constructor(private readonly now: () => number) {}

  add(at: number, source: string, message: string, categories: readonly string[]): void {
    this.events.push({ at, source, type: 'db-instance', message, categories });
  }

  describeEvents(call: AwsCall): EmulatorAnswer {
    const now = this.now();
    const source = call.params.get('SourceIdentifier');
    const duration = Number(call.params.get('Duration') ?? 60);
    const start = call.params.get('StartTime')
      ? Date.parse(call.params.get('StartTime') as string)
      : now - duration * MINUTE;
    const events = this.events.filter(
      (e) => e.at <= now && e.at >= start && (!source || e.source === source),
    );
    const inner = events
      .map(
        (e) =>
          `<Event><SourceIdentifier>${e.source}</SourceIdentifier><SourceType>${e.type}</SourceType><Message>${escapeXml(e.message)}</Message><EventCategories>${e.categories.map((c) => `<EventCategory>${c}</EventCategory>`).join('')}</EventCategories><Date>${new Date(e.at).toISOString()}</Date></Event>`,
      )
      .join('');
    return queryResult('DescribeEvents', `<Events>${inner}</Events>`);
  }

  pendingMaintenanceActions(call: AwsCall, lives: Iterable<RdsLife>): EmulatorAnswer {
    const arn = call.params.get('ResourceIdentifier');
    const filtered = listParam(call.params, 'Filters.Filter.1.Values');
    const wanted = (id: string) =>
      (!arn && filtered.length === 0) || arn?.endsWith(`:db:${id}`) || filtered.includes(id);
    const inner = [...lives]
      .filter((l) => l.pending && wanted(l.id))
      .map((l) => {
        const p = l.pending as NonNullable<RdsLife['pending']>;
        return `<ResourcePendingMaintenanceActions><ResourceIdentifier>arn:aws:rds:us-east-1:123456789012:db:${l.id}</ResourceIdentifier><PendingMaintenanceActionDetails><PendingMaintenanceAction><Action>${escapeXml(p.action)}</Action><CurrentApplyDate>${new Date(p.applyAt).toISOString()}</CurrentApplyDate><Description>${escapeXml(p.action)}</Description></PendingMaintenanceAction></PendingMaintenanceActionDetails></ResourcePendingMaintenanceActions>`;
      })
      .join('');
    return queryResult(
      'DescribePendingMaintenanceActions',
      `<PendingMaintenanceActions>${inner}</PendingMaintenanceActions>`,
    );
  }
}
