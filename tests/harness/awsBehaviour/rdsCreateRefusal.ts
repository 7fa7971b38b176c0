import type { EmulatorAnswer } from '../../../bin/lib/emulator';
import type { LayerContext } from './layerContext';
import { queryError } from './protocol';
import type { RdsArmedFaults } from './rdsArmedFaults';
import type { RdsConfig } from './rdsLife';

/** What RDS's create refusals read of the instances the layer plays, and the races they make happen. */
export interface CreateRefusalWorld {
  readonly context: LayerContext;
  readonly config: RdsConfig;
  readonly armed: RdsArmedFaults;
  /** Someone makes an instance of that name by hand, just before the caller's create (the `name-taken` race). */
  takeName(id: string): Promise<void>;
  /** Someone changes the source in the console, just before the caller's create (the `source-busy` race). */
  busySource(id: string): void;
  /** The layer plays a live instance of that id, or moto has one. */
  exists(id: string): Promise<boolean>;
  /** The status the layer shows for an instance now (undefined: not one the layer plays). */
  status(id: string): string | undefined;
}

/** RDS's refusal of a create (undefined: none), in the order it checks: the name, the source's state, capacity. */
export async function rdsCreateRefusal(
  world: CreateRefusalWorld,
  id: string,
  from: { kind: 'source' | 'cluster'; id: string },
  instanceClass: string | undefined,
): Promise<EmulatorAnswer | undefined> {
  const { counts, random } = world.context;
  // Armed faults wait for a replica of a source: a reader created side by side must not take one first.
  const ofSource = from.kind === 'source';
  const race = ofSource ? world.armed.takeCreateRace() : undefined;
  if (race === 'name-taken') await world.takeName(id);
  if (race === 'source-busy') world.busySource(from.id);
  if (await world.exists(id)) {
    counts.count('rds.alreadyExists');
    return queryError('DBInstanceAlreadyExists', `DB instance already exists: ${id}`);
  }
  const sourceStatus = from.kind === 'source' ? world.status(from.id) : undefined;
  if (sourceStatus !== undefined && sourceStatus !== 'available') {
    counts.count('rds.invalidStateOnCreate');
    return queryError(
      'InvalidDBInstanceState',
      `DB instance ${from.id} is not in available state (${sourceStatus}).`,
    );
  }
  const noCapacity = ofSource && world.armed.takeNoCapacity();
  if (
    noCapacity ||
    (instanceClass && world.config.noCapacityClasses.includes(instanceClass)) ||
    random.for(`capacity ${id}`).chance(world.config.insufficientCapacity)
  ) {
    counts.count('rds.insufficientCapacity');
    return queryError(
      'InsufficientDBInstanceCapacity',
      `Cannot create a database instance because there is no availability of the requested instance class ${instanceClass ?? ''} in the requested Availability Zone.`,
    );
  }
  return undefined;
}
