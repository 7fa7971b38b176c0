import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { startTestEmulator } from './motoPool';

/**
 * The emulator of one test file: started on a free loopback port before its tests, stopped after them, and
 * (unless `reset: false`) emptied before each test. Returns it as a stand-in usable from the file's top level:
 * every property reads the running emulator, so `emulator.aws` works in any test or hook.
 */
export function useEmulator(options: { reset?: boolean } = {}): Emulator {
  let running: Emulator | undefined;
  beforeAll(async () => {
    running = await startTestEmulator();
  });
  afterAll(async () => {
    await running?.stop();
  });
  if (options.reset ?? true)
    beforeEach(async () => {
      await running?.reset();
    });
  return new Proxy({} as Emulator, {
    get(_, key) {
      if (!running) throw new Error('the emulator starts in beforeAll: use it inside a test or a hook');
      const value = Reflect.get(running, key, running);
      return typeof value === 'function' ? value.bind(running) : value;
    },
  });
}
