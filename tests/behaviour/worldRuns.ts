import type { Decision } from '../../shared/decision/types';
import type { TargetKind } from '../../shared/policy/schema';
import type { ScalerWorld } from '../harness/awsBehaviour/scalerWorld';

/**
 * Runs a world for `minutes` of virtual time, `step` minutes at a time: each step moves the clock, publishes
 * the last minute's metrics and delivers the schedule to the kind's function (and runs `each` first).
 */
export async function run(
  world: ScalerWorld,
  kind: TargetKind,
  minutes: number,
  { step = 2, each }: { step?: number; each?: (minute: number) => Promise<void> | void } = {},
): Promise<void> {
  for (let m = 0; m < minutes; m += step) {
    await world.advance(step);
    await each?.(m);
    await world.publish();
    await world.schedule(kind);
  }
}

/** Every decision the world's functions returned, oldest first. */
export const decisions = (world: ScalerWorld): Decision[] => world.evaluations.map((e) => e.decision);

/** The mutating calls that reached AWS through the layer, by action. */
export const calls = (world: ScalerWorld, action: string) =>
  world.layer.mutations.filter((m) => m.action === action);

/** What the world ran, for a failing test's message. */
export const story = (world: ScalerWorld) =>
  decisions(world)
    .map((d) => `${d.reason}: ${d.message}`)
    .join('\n');
