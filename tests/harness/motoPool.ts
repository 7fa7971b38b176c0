import { createServer, type Server } from 'node:http';
import { inject } from 'vitest';
import { type Emulator, startEmulator } from '../../bin/lib/emulator';
import { type MotoServer, resetMoto, startMotoServer } from '../../bin/lib/motoServer';
import { processAlive } from './processAlive';

/**
 * Warm moto servers shared by the test files of one run, one file at a time each. A moto process spends most of
 * a short test's CPU warming up: its own start, then the first call to each service imports that service's
 * models and loads botocore's JSON for it (py-spy on a behaviour file: over half of moto's time). Every test
 * file runs in a new worker process, so the pool lives in vitest's main process (tests/globalSetup.ts) behind
 * a loopback broker: a file leases a server, which is reset (moto's /moto-api/reset, as between a file's own
 * tests) before it is handed out, and gives it back when its emulator stops. A lease whose worker died is taken
 * back. Only the harness's emulators lease; `npm start`'s local account and moto as it ships start their own.
 */

interface Pooled {
  readonly server: MotoServer;
  /** The worker process holding it, if leased. */
  holder?: number;
}

/** The broker: `POST /lease?holder=PID` answers `{ port, pid }`; `POST /release?port=P` gives it back. */
export async function startMotoPool(): Promise<{ url: string; stop(): Promise<void> }> {
  const pooled: Pooled[] = [];
  const lease = async (holder: number): Promise<MotoServer> => {
    const idle = pooled.find((p) => p.holder === undefined || !processAlive(p.holder));
    if (idle) {
      idle.holder = holder;
      const emptied = await idle.server.reset().then(
        () => true,
        () => false,
      );
      if (emptied) return idle.server;
      // It no longer answers (it died with a test's fault, say): dropped, and a new one started.
      pooled.splice(pooled.indexOf(idle), 1);
      await idle.server.stop();
    }
    const fresh: Pooled = { server: await startMotoServer(), holder };
    pooled.push(fresh);
    return fresh.server;
  };
  const broker: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pool');
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/lease') {
      lease(Number(url.searchParams.get('holder'))).then(
        (server) => answer(200, { port: server.port, pid: server.pid }),
        (error: Error) => answer(500, { message: error.message }),
      );
    } else if (url.pathname === '/release') {
      const port = Number(url.searchParams.get('port'));
      const found = pooled.find((p) => p.server.port === port);
      if (found) found.holder = undefined;
      answer(found ? 200 : 404, {});
    } else answer(404, {});
  });
  await new Promise<void>((ok) => broker.listen(0, '127.0.0.1', () => ok()));
  const address = broker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await new Promise<void>((ok) => broker.close(() => ok()));
      await Promise.all(pooled.map((p) => p.server.stop()));
    },
  };
}

/**
 * A moto server for this test file: leased from the run's pool, or started (and stopped) alone when the file
 * runs without the pool (a harness outside vitest's global set-up). Stopping a leased one gives it back.
 */
export async function leaseMoto(): Promise<MotoServer> {
  const broker = poolUrl();
  if (!broker) return startMotoServer();
  const response = await fetch(`${broker}/lease?holder=${process.pid}`, { method: 'POST' });
  const body = (await response.json()) as { port: number; pid: number; message?: string };
  if (!response.ok) throw new Error(`the moto pool could not lease a server: ${body.message}`);
  const endpoint = `http://127.0.0.1:${body.port}`;
  let released = false;
  return {
    endpoint,
    port: body.port,
    pid: body.pid,
    reset: () => resetMoto(endpoint),
    async stop() {
      if (released) return;
      released = true;
      await fetch(`${broker}/release?port=${body.port}`, { method: 'POST' });
    },
  };
}

function poolUrl(): string | undefined {
  try {
    return inject('motoPool');
  } catch {
    return undefined; // not inside a vitest worker with the global set-up
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    motoPool: string;
  }
}

/** The emulator of a test: the proxy in front of a server leased from the run's pool. */
export async function startTestEmulator(): Promise<Emulator> {
  return startEmulator({ moto: await leaseMoto() });
}
