/** A seeded generator (mulberry32): the same seed plays the same behaviours, so a failing run replays. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }

  /** Uniform in [min, max]. */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
}

/**
 * The layer's draws, each keyed on what it is for and the virtual time it happens at. Parallel calls reach
 * the layer in any order (a run evaluates the RDS and the Aurora target side by side), and one stream drawn
 * in arrival order played a seed differently from run to run: seed 21's short soak lost its replica
 * deletions under CI's load. A keyed draw is the same whichever call comes first.
 */
export class KeyedRandom {
  constructor(
    private readonly seed: number,
    private readonly now: () => number,
  ) {}

  /** A generator for the draws of one thing happening now (`key` names it: `create db-2`, `boot i-0ab…`). */
  for(key: string): SeededRandom {
    return new SeededRandom(fnv1a(`${this.seed}|${key}|${this.now()}`));
  }
}

/** FNV-1a, 32 bits: a seed from a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
