import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../../bin/lib/emulator';
import { type FaultProxy, startFaultProxy } from './faultProxy';
import { startTestEmulator } from './motoPool';

/**
 * The emulator with a fault proxy in front of it, for a test file (started before its tests, stopped after):
 * the functions' clients go through `proxy`, set-up and checks reach `emulator` itself. Injection starts off.
 */
export function emulatorBehindFaults(seed: number): {
  readonly emulator: Emulator;
  readonly proxy: FaultProxy;
} {
  let emulator: Emulator | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    proxy = await startFaultProxy(emulator.endpoint, { rate: 0, seed });
  }, 240_000);
  afterAll(async () => {
    await proxy?.stop();
    await emulator?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the emulator and its proxy start in beforeAll: use them inside a test');
    return value;
  };
  return {
    get emulator() {
      return started(emulator);
    },
    get proxy() {
      return started(proxy);
    },
  };
}
