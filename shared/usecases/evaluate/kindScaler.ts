import { desiredCapacityModel } from '../../decision/kindModel';
import type { CapacityState } from '../../decision/types';
import { inParallel } from '../../inParallel';
import type { Target } from '../../policy/schema';
import type {
  CapacityPort,
  KindScaler,
  KnownScalingPolicies,
  ObservationDetail,
  Observed,
} from '../../ports';

/** A plain CapacityPort is the kind with no gates of its own: one desired capacity, set in one call. */
export function kindScaler(capacity: CapacityPort | KindScaler<unknown>): KindScaler<unknown> {
  if ('model' in capacity) return capacity;
  const describeMany = capacity.describeMany?.bind(capacity);
  return {
    resource: {
      observe: (target) => capacity.describe(target),
      ...(describeMany ? { observeMany: describeMany } : {}),
      act: (target, action, state) =>
        capacity.setCapacity(target, action.desired, (state as CapacityState).current),
    },
    model: desiredCapacityModel as KindScaler<unknown>['model'],
  };
}

/** How many single reads run at once for a kind that has no batched read. */
const SINGLE_READS_IN_FLIGHT = 8;

/**
 * Many targets' observations: the kind's batched read where it has one (given the policies that refused
 * some of them, on a first look), else one `observe` per target (a few at a time). Each target gets its
 * observation or its error; one target's failure is its own.
 */
export async function observeMany(
  capacity: CapacityPort | KindScaler<unknown>,
  targets: readonly Target[],
  detail: ObservationDetail,
  refusedBy?: KnownScalingPolicies,
): Promise<ReadonlyMap<string, Observed<unknown>>> {
  if (targets.length === 0) return new Map();
  const { resource } = kindScaler(capacity);
  if (resource.observeMany) {
    // A batched read that fails as a whole (throttled past its retries) is every one of its targets' error.
    try {
      return await resource.observeMany(targets, detail, refusedBy);
    } catch (error) {
      return new Map(targets.map((t) => [t.name, { error }]));
    }
  }
  const seen = await inParallel(targets, SINGLE_READS_IN_FLIGHT, async (target) => {
    try {
      return { observation: await resource.observe(target) };
    } catch (error) {
      return { error };
    }
  });
  return new Map(targets.map((t, i) => [t.name, seen[i] as Observed<unknown>]));
}

/** The target's current capacity as its kind reads it (for skips that decide nothing). */
export async function currentCapacity(
  capacity: CapacityPort | KindScaler<unknown>,
  target: Target,
  now: Date,
): Promise<number> {
  const { resource, model } = kindScaler(capacity);
  return model.capacity(target, await resource.observe(target), now).current;
}
