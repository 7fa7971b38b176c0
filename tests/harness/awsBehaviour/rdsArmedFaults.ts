/** An end a create can be made to reach instead of `available`. */
export type FailedEnd = 'failed' | 'storage-full' | 'incompatible-parameters';

/**
 * What the soak and the tests arm for RDS's next create or delete of a source's replica (each taken once, by
 * the call it waits for): races with someone else's change, a failed end, a create stuck `creating`, no
 * capacity. Aurora readers never take one: a run creates a reader and a replica side by side, and which call
 * reached the layer first decided which took the fault (the soak played differently from run to run).
 */
export class RdsArmedFaults {
  private readonly races: ('source-busy' | 'name-taken')[] = [];
  private readonly failures: FailedEnd[] = [];
  private stickNext = false;
  private noCapacityNext = false;
  private deleteRace = false;

  /**
   * The next create finds the world changed since the caller's describe: the source just became busy
   * (`source-busy`: InvalidDBInstanceState) or someone just took the name (`name-taken`: an instance of that
   * name made by hand, DBInstanceAlreadyExists).
   */
  raceNextCreate(race: 'source-busy' | 'name-taken'): void {
    this.races.push(race);
  }

  /** The race a create meets, in order. */
  takeCreateRace(): 'source-busy' | 'name-taken' | undefined {
    return this.races.shift();
  }

  /** The next replica or reader a caller creates ends in `state` instead of `available` (counted when shown). */
  failNextCreate(state: FailedEnd): void {
    this.failures.push(state);
  }

  takeFailure(): FailedEnd | undefined {
    return this.failures.shift();
  }

  /** The next replica or reader a caller creates stays `creating` for `stuckMinutes`, then fails. */
  stickNextCreate(): void {
    this.stickNext = true;
  }

  takeStick(): boolean {
    const stick = this.stickNext;
    this.stickNext = false;
    return stick;
  }

  /** The next create is refused with InsufficientDBInstanceCapacity, whatever its class (then as configured). */
  noCapacityForNextCreate(): void {
    this.noCapacityNext = true;
  }

  takeNoCapacity(): boolean {
    const none = this.noCapacityNext;
    this.noCapacityNext = false;
    return none;
  }

  /** The next delete finds its replica's source just turned busy (a console change): InvalidDBInstanceState. */
  raceNextDelete(): void {
    this.deleteRace = true;
  }

  /** Whether a delete of a source's replica meets the armed race; taken when it does. */
  takeDeleteRace(): boolean {
    const race = this.deleteRace;
    this.deleteRace = false;
    return race;
  }
}
