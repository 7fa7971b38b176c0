import type { CostAlertKind, MonthForecast, ScalingCost, ServiceMove } from './types';

/** `$1,234.56`. */
export function usd(amount: number): string {
  const sign = amount < 0 ? '-' : '';
  return `${sign}$${Math.abs(amount).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const signed = (amount: number) => (amount >= 0 ? `+${usd(amount)}` : usd(amount));

/** The Cost Explorer view of daily unblended cost by service over the given days. */
export function costExplorerLink(startDate: string, endDate: string): string {
  const query = new URLSearchParams({
    chartStyle: 'STACK',
    costAggregate: 'unBlendedCost',
    granularity: 'Daily',
    groupBy: '["Service"]',
    startDate,
    endDate,
  });
  return `https://console.aws.amazon.com/costmanagement/home#/cost-explorer?${query}`;
}

export interface AlertDetail {
  readonly link: string;
  readonly moves?: readonly ServiceMove[];
  readonly scaling?: readonly ScalingCost[];
  readonly service?: string;
  readonly why?: string;
  readonly forecast?: MonthForecast;
  readonly estimated?: boolean;
}

/** The words of one alert, for a person reading mail or chat: the figure, the limit, the movers, a link. */
export function costAlertText(a: {
  kind: CostAlertKind;
  day: string;
  figure: number;
  limit: number;
  detail: AlertDetail;
}): { subject: string; text: string } {
  const { detail } = a;
  const over = a.figure - a.limit;
  const overPercent = a.limit > 0 ? ` (+${((100 * over) / a.limit).toFixed(1)}%)` : '';
  const lines: string[] = [];
  let subject: string;
  switch (a.kind) {
    case 'daily-limit':
      subject = `Scalepilot cost: ${usd(a.figure)} on ${a.day}, over the ${usd(a.limit)} daily limit`;
      lines.push(
        `Spend on ${a.day} (UTC): ${usd(a.figure)}, over the daily limit of ${usd(a.limit)} by ${usd(over)}${overPercent}.`,
      );
      break;
    case 'anomaly':
      subject = `Scalepilot cost anomaly: ${detail.service} ${usd(a.figure)} on ${a.day}`;
      lines.push(`${detail.service} cost ${detail.why} on ${a.day} (UTC).`);
      break;
    case 'forecast': {
      const f = detail.forecast;
      subject = `Scalepilot cost: month-end forecast ${usd(a.figure)} for ${f?.month}, over the ${usd(a.limit)} budget`;
      lines.push(
        `Month-end forecast for ${f?.month}: ${usd(a.figure)} (${usd(f?.monthToDate ?? 0)} spent so far + ${usd(f?.remaining ?? 0)} forecast by Cost Explorer to the end of the month), over the monthly budget of ${usd(a.limit)} by ${usd(over)}${overPercent}.`,
      );
      break;
    }
    case 'scaling-cost':
      subject = `Scalepilot cost: its own scaling cost ${usd(a.figure)} on ${a.day}, over the ${usd(a.limit)} limit`;
      lines.push(
        `The capacity Scalepilot added above each target's minimum cost ${usd(a.figure)} on ${a.day} (UTC), over the limit of ${usd(a.limit)}${overPercent}.`,
      );
      break;
  }
  if (detail.moves && detail.moves.length > 0) {
    lines.push('', 'Top services that day (change against the trailing mean):');
    const width = Math.max(...detail.moves.map((m) => m.service.length));
    for (const m of detail.moves)
      lines.push(
        `  ${m.service.padEnd(width)}  ${usd(m.amount).padStart(11)}  ${signed(m.change).padStart(11)}`,
      );
  }
  if (detail.scaling && detail.scaling.length > 0) {
    lines.push('', "Scalepilot's own scaling that day (capacity above each minimum):");
    for (const s of detail.scaling) lines.push(`  ${scalingLine(s)}`);
  }
  if (detail.estimated) lines.push('', 'Cost Explorer still marks these figures as estimated.');
  lines.push('', `Cost Explorer: ${detail.link}`);
  return { subject, text: lines.join('\n') };
}

export function scalingLine(s: ScalingCost): string {
  const hours = `${s.unitHours.toFixed(1)} ${s.unit}-hours`;
  if (s.usd === undefined || s.usdPerUnitHour === undefined)
    return `${s.target}: ${hours} (${s.note ?? 'no price'})`;
  const priced = s.engine ? `${s.unitType}, ${s.engine}` : s.unitType;
  return `${s.target}: ${hours} × ${usd4(s.usdPerUnitHour)} (${priced}) = ${usd(s.usd)}`;
}

function usd4(amount: number): string {
  return `$${amount.toFixed(4)}`;
}
