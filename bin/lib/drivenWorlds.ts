import { capacityPortByKind } from '../../shared/adapters/capacityPorts';
import type { Target, TargetKind } from '../../shared/policy/schema';
import { type Scenario, servingAt, type Timeline } from '../../shared/simulate/engine';
import { currentCapacity } from '../../shared/usecases/evaluateTargets';
import { BootingInstances } from './bootingInstances';
import type { LocalAccount } from './localAccount';
import { memberLoad } from './planReplay';
import type { ReplayOptions, VirtualClock } from './replay';

/** A target the trace drives: its scenario, its resource in the emulator, and the timeline it lives through. */
export interface DrivenWorld {
  readonly target: Target;
  readonly scenario: Scenario;
  readonly capacity: ReturnType<(typeof capacityPortByKind)[TargetKind]>;
  readonly timeline: Timeline;
  start: number;
}

/**
 * The world the trace describes: a driven target's load is the trace (or, in a plan, what the entry served);
 * its capacity is what the emulator's resource says, serving after the scenario's provisioning delay as in
 * the backtest.
 */
export class DrivenWorlds {
  readonly all: readonly DrivenWorld[];
  private readonly byName: ReadonlyMap<string, DrivenWorld>;
  // moto's instances are InService the moment they are ordered; the emulator answers Pending for the ones
  // still inside the provisioning delay, as AWS would while they boot.
  private readonly booting: BootingInstances;

  constructor(
    local: LocalAccount,
    private readonly options: Pick<ReplayOptions, 'driven' | 'plan' | 'series'>,
    private readonly clock: VirtualClock,
  ) {
    const n = options.series.load.length;
    // The entry first: what the others see is what it served (planReplay.ts).
    const entry = options.plan?.entry;
    const driven = [...options.driven].sort(([a], [b]) => (a === entry ? -1 : b === entry ? 1 : 0));
    this.all = driven.map(([name, scenario]) => {
      const target = local.policy.targets.find((t) => t.name === name);
      if (!target) throw new Error(`replay: no target "${name}" in the policy`);
      return {
        target,
        scenario,
        capacity: capacityPortByKind[target.kind](local.emulator.aws),
        timeline: {
          policy: 'scalepilot-emulator',
          ordered: new Int32Array(n),
          serving: new Int32Array(n),
          utilisation: new Float64Array(n),
        },
        start: 0,
      };
    });
    this.byName = new Map(this.all.map((w) => [w.target.name, w]));
    this.booting = new BootingInstances(local);
  }

  get(name: string): DrivenWorld | undefined {
    return this.byName.get(name);
  }

  /** Minute m as the account shows it: each world's ordered and serving capacity, and its utilisation. */
  async observe(m: number): Promise<void> {
    const { plan, series } = this.options;
    for (const w of this.all) {
      if (w.target.kind === 'asg')
        await this.booting.observe(w.target.autoScalingGroupName, m, w.scenario.delay);
      const ordered = await currentCapacity(w.capacity, w.target, this.clock.now());
      w.timeline.ordered[m] = ordered;
      if (m === 0) w.start = ordered;
      const serving = servingAt(w.timeline.ordered, m, w.scenario.delay, w.start);
      w.timeline.serving[m] = serving;
      const entryServing = plan ? (this.byName.get(plan.entry)?.timeline.serving[m] ?? 0) : 0;
      const demand = series.load[m] as number;
      const load = plan ? memberLoad(plan, w.target.name, demand, entryServing) : demand;
      w.timeline.utilisation[m] = load / (serving * w.scenario.unitCapacity);
    }
  }

  ordered(m: number): ReadonlyMap<string, number> {
    return new Map(this.all.map((w) => [w.target.name, w.timeline.ordered[m] as number]));
  }

  /** Each world's timeline over the minutes replayed. */
  timelines(minutes: number): ReadonlyMap<string, Timeline> {
    return new Map(
      this.all.map(({ target, timeline: t }) => [
        target.name,
        {
          policy: t.policy,
          ordered: t.ordered.slice(0, minutes),
          serving: t.serving.slice(0, minutes),
          utilisation: t.utilisation.slice(0, minutes),
        },
      ]),
    );
  }

  stop(): void {
    this.booting.stop();
  }
}
