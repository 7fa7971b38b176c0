import { createScalerHandler, type ScalerRuntime } from '../../../shared/lambda/createScalerHandler';
import type { CapacityPort, KindScaler, Ledger } from '../../../shared/ports';
import type { ScalerProcess } from './scalerWorld';

/** Where in the write-ahead sequence a function's process dies (as tests/reliability/crashes.test.ts). */
export const crashPoints = [
  'after taking the lease',
  'after writing the intent',
  'after the AWS call',
  'before recording',
  'after recording, lease not released',
] as const;
export type CrashPoint = (typeof crashPoints)[number];

export class Crash extends Error {
  constructor(point: string) {
    super(`crashed ${point}`);
    this.name = 'Crash';
  }
}

/** A process that dies at `point`: `die` ends it there, `alive` refuses every call after that. */
export function processLife(point: CrashPoint) {
  let dead = false;
  return {
    die: (): never => {
      dead = true;
      throw new Crash(point);
    },
    alive: () => {
      if (dead) throw new Crash(`${point} (dead)`);
    },
  };
}

/**
 * The ledger of a process that dies at `point`: the lease, the intent and the record are cut there; every
 * other ledger call (reads) passes through while the process lives.
 */
export function crashingLedger(
  ledger: Ledger,
  point: CrashPoint,
  { alive, die }: ReturnType<typeof processLife>,
): Ledger {
  const overrides: Partial<Ledger> = {
    acquireLease: async (...args) => {
      alive();
      const lease = await ledger.acquireLease(...args);
      if (point === 'after taking the lease' && lease) die();
      return lease;
    },
    releaseLease: async (lease) => {
      alive();
      if (point === 'after recording, lease not released') die();
      return ledger.releaseLease(lease);
    },
    writeIntent: async (...args) => {
      alive();
      await ledger.writeIntent(...args);
      if (point === 'after writing the intent') die();
    },
    record: async (decision, context, update) => {
      alive();
      if (point === 'before recording' && context.applied) die();
      return ledger.record(decision, context, update);
    },
  };
  return new Proxy(ledger, {
    get(target, name, receiver) {
      const own = overrides[name as keyof Ledger];
      if (own) return own;
      const value = Reflect.get(target, name, receiver);
      return typeof value === 'function'
        ? (...args: unknown[]) => {
            alive();
            return value.apply(target, args);
          }
        : value;
    },
  });
}

/**
 * The process with each port cut at `point`: the call there goes through (or not), then the process is
 * dead: every later call of that invocation fails without writing (no lease release, no record).
 */
export function crashingProcess(process: ScalerProcess, point: CrashPoint): ScalerProcess {
  const life = processLife(point);
  const { alive, die } = life;
  const runtime = process.runtime;
  const cut = crashingLedger(runtime.ledger, point, life);
  const afterCall = async <T>(work: () => Promise<T>): Promise<T> => {
    alive();
    const result = await work();
    if (point === 'after the AWS call') die();
    return result;
  };
  const capacity: CapacityPort | KindScaler<unknown> =
    'model' in runtime.capacity
      ? {
          model: runtime.capacity.model,
          resource: {
            observe: async (target) => {
              alive();
              return (runtime.capacity as KindScaler<unknown>).resource.observe(target);
            },
            act: (target, action, observation) =>
              afterCall(() =>
                (runtime.capacity as KindScaler<unknown>).resource.act(target, action, observation),
              ),
          },
        }
      : {
          describe: async (target) => {
            alive();
            return (runtime.capacity as CapacityPort).describe(target);
          },
          setCapacity: (...args) => afterCall(() => (runtime.capacity as CapacityPort).setCapacity(...args)),
        };
  const crashed: ScalerRuntime = { ...runtime, ledger: cut, capacity };
  return { runtime: crashed, handler: createScalerHandler(crashed), log: process.log };
}
