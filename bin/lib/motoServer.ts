import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { projectFile, pythonTool } from './pythonTools';

/** moto's `moto_server` with its whole-table copy on each DynamoDB transaction worked around (the file says how). */
const MOTO_SERVER = projectFile('bin', 'lib', 'motoServer.py');

/** A running moto server on a loopback port. */
export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  /** The moto_server process. */
  readonly pid: number;
  /** Forgets every resource (moto's /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Forgets every resource of the moto server at `endpoint` (moto's /moto-api/reset). */
export async function resetMoto(endpoint: string): Promise<void> {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/**
 * Starts moto (installing it into .venv/emulator when missing) and waits until it answers. `asShipped`: moto's
 * own `moto_server`, without the workarounds, for the tests that hold the workarounds' answers to moto's.
 */
export async function startMotoServer(options: { asShipped?: boolean } = {}): Promise<MotoServer> {
  const python = pythonTool('emulator', 'python');
  const port = await freePort();
  const server = options.asShipped ? ['-m', 'moto.server'] : [MOTO_SERVER];
  const child: ChildProcess = spawn(python, [...server, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    port,
    pid: child.pid ?? 0,
    reset: () => resetMoto(endpoint),
    async stop() {
      process.removeListener('exit', stopOnExit);
      // Already gone (a Ctrl-C in the terminal reaches moto too): nothing to wait for.
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
