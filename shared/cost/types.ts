import type { TargetKind } from '../policy/schema';

/** One day of spend as Cost Explorer reports it (unblended, USD; credits and refunds left out). */
export interface DailyCost {
  /** The UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** The day's spend for its use (every charge but credits, refunds and fees), and it by service. */
  readonly total: number;
  readonly byService: Readonly<Record<string, number>>;
  /**
   * Tax, support and upfront fees billed that day: they count toward the month (its budget is the bill), not
   * toward the day's limit or a service's anomaly.
   */
  readonly fees?: number;
  /** Cost Explorer's own flag: the figures may still change. */
  readonly estimated: boolean;
}

/** The month-end forecast: complete days of the month so far plus Cost Explorer's forecast of the rest. */
export interface MonthForecast {
  /** `YYYY-MM`. */
  readonly month: string;
  readonly monthToDate: number;
  readonly remaining: number;
}

/** What the capacity Scalepilot added cost on one day, for one target. */
export interface ScalingCost {
  readonly target: string;
  readonly kind: TargetKind;
  /** Unit-hours above the target's minimum, from the decisions in the ledger. */
  readonly unitHours: number;
  readonly unit: string;
  /** The priced type (instance type, DB instance class, cache node type), when known. */
  readonly unitType?: string;
  /** The engine it is priced as (`MySQL`, `Valkey`), for a replica or a node, when known. */
  readonly engine?: string;
  readonly usdPerUnitHour?: number;
  /** unitHours × usdPerUnitHour; undefined when there is no price. */
  readonly usd?: number;
  /** Why it has no price, when it has none. */
  readonly note?: string;
}

export type CostAlertKind = 'daily-limit' | 'anomaly' | 'forecast' | 'scaling-cost';

/** One alert, ready for a human; `key` + `day` identify it for the once-per-day guard. */
export interface CostAlert {
  readonly kind: CostAlertKind;
  readonly key: string;
  readonly day: string;
  readonly figure: number;
  readonly limit: number;
  readonly subject: string;
  readonly text: string;
}

/** A top mover: a service's spend on the day and its change against the trailing mean. */
export interface ServiceMove {
  readonly service: string;
  readonly amount: number;
  readonly change: number;
}

export interface CostEvaluation {
  /** The newest complete day compared (daily check), whether Cost Explorer had data for it or not. */
  readonly day?: string;
  /** Cost Explorer's figures for `day`; absent when it had none (a note says so). */
  readonly dayCost?: DailyCost;
  /** Every day the daily check compared, oldest first: the newest complete day and the day(s) before it. */
  readonly compared?: readonly string[];
  readonly alerts: readonly CostAlert[];
  /** Checks that could not run or found nothing, each with why (logged; never silent). */
  readonly notes: readonly string[];
  /** The cost of Scalepilot's scaling on the newest compared day. */
  readonly scaling: readonly ScalingCost[];
  readonly forecast?: MonthForecast;
}
