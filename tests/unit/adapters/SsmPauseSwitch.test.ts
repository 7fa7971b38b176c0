// The kill switch's reads: cached 30 s, shared while one is under way, a failed one given again for 5 s, and a
// fresh read past the cache. SSM is a stub here (what is under test is the adapter's cache, not the parameter
// store; tests/integration/killSwitch.test.ts reads the real parameter on the emulator).
import { describe, expect, it } from 'vitest';
import { SsmPauseSwitch } from '../../../shared/adapters/SsmPauseSwitch';
import { AwsCallError } from '../../../shared/errors';

const T0 = new Date('2026-11-22T12:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

/** A switch on a stub SSM answering `values` in turn (an Error is thrown), each answer after `delayMs`. */
function switchOn(values: (string | Error)[], delayMs = 0) {
  let calls = 0;
  const ssm = {
    send: async () => {
      const value = values[Math.min(calls, values.length - 1)] as string | Error;
      calls += 1;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (value instanceof Error) throw value;
      return { Parameter: { Value: value } };
    },
  };
  const pause = new SsmPauseSwitch({ region: 'us-east-1' }, '/scalepilot/prod/paused', ssm as never);
  return { pause, calls: () => calls };
}

describe('SsmPauseSwitch', () => {
  it('twelve targets asking at once share one GetParameter', async () => {
    const { pause, calls } = switchOn(['false'], 20);
    const states = await Promise.all(Array.from({ length: 12 }, () => pause.read(T0)));
    expect(states.every((s) => s.state === 'running')).toBe(true);
    expect(calls()).toBe(1);
  });

  it.each([
    { name: 'within 30 s: the cached answer', second: 29, fresh: false, want: 'running', calls: 1 },
    { name: 'after 30 s: read again', second: 31, fresh: false, want: 'paused', calls: 2 },
    { name: 'fresh, within 30 s: read again', second: 5, fresh: true, want: 'paused', calls: 2 },
  ])('$name', async ({ second, fresh, want, calls: wantCalls }) => {
    const { pause, calls } = switchOn(['false', 'true']);
    await pause.read(T0);
    expect((await pause.read(at(second), { fresh })).state).toBe(want);
    expect(calls()).toBe(wantCalls);
  });

  it('a failed read is given again for 5 s, then tried anew', async () => {
    const { pause, calls } = switchOn([new Error('ThrottlingException'), 'false']);
    await expect(pause.read(T0)).rejects.toBeInstanceOf(AwsCallError);
    await expect(pause.read(at(4))).rejects.toThrow(/ThrottlingException/);
    expect(calls()).toBe(1);
    expect((await pause.read(at(6))).state).toBe('running');
    expect(calls()).toBe(2);
  });

  it('a fresh read that ends first is not overwritten by an older read ending after it', async () => {
    let calls = 0;
    const ssm = {
      send: async () => {
        calls += 1;
        // The first read (running) is slow; the fresh one after it (paused) answers at once.
        const [value, delay] = calls === 1 ? ['false', 40] : ['true', 0];
        await new Promise((resolve) => setTimeout(resolve, delay));
        return { Parameter: { Value: value } };
      },
    };
    const pause = new SsmPauseSwitch({ region: 'us-east-1' }, '/scalepilot/prod/paused', ssm as never);
    const older = pause.read(T0);
    expect((await pause.read(at(1), { fresh: true })).state).toBe('paused');
    await older;
    expect((await pause.read(at(2))).state).toBe('paused');
  });
});
