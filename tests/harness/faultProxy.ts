import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy between the functions' SDK clients and the emulator (issue 15, item 3).
 * On a share of requests it answers what AWS answers under stress, in each protocol's own error shape, so
 * the SDK's own retry strategy (standard mode, its attempts, its backoff, its retry quota) really runs:
 *
 * - `throttling`: 400 `Throttling` (query) / `ThrottlingException` (JSON);
 * - `request-limit`: 400 `RequestLimitExceeded`;
 * - `http-500`: 500 `InternalFailure`;
 * - `reset`: the connection destroyed, before the request reached the emulator or after (response lost);
 * - `timeout`: no answer at all, before or after forwarding, until the client gives up.
 *
 * Every request's SDK invocation id and attempt (the `amz-sdk-invocation-id` and `amz-sdk-request`
 * headers) is kept, so a test can count attempts per call.
 */
export const faultKinds = ['throttling', 'request-limit', 'http-500', 'reset', 'timeout'] as const;
export type FaultKind = (typeof faultKinds)[number];

export interface ProxiedRequest {
  readonly action: string;
  /** The SDK's id of one call, the same on each of its attempts. */
  readonly invocation: string;
  /** `attempt=N` of `amz-sdk-request`. */
  readonly attempt: number;
  /** `max=N` of `amz-sdk-request`: the attempts the client is configured for. */
  readonly maxAttempts: number;
  readonly fault?: FaultKind;
  /** Whether the emulator received the request (a reset or timeout after forwarding: it did). */
  readonly reachedEmulator: boolean;
  readonly body: string;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly requests: ProxiedRequest[];
  /** The share of requests faulted now. */
  readonly rate: number;
  /** Turns injection on or off (set-up and checks run with it off). */
  setRate(rate: number): void;
  /** Every request of this action gets this fault (undefined: back to the random share). */
  failAction(action: string, kind: FaultKind | undefined): void;
  stop(): Promise<void>;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed with its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function startFaultProxy(
  upstream: string,
  { rate = 0.3, seed = 15 }: { rate?: number; seed?: number } = {},
): Promise<FaultProxy> {
  const next = random(seed);
  const up = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  let share = rate;
  const forced = new Map<string, FaultKind>();
  const held = new Set<IncomingMessage>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const target = req.headers['x-amz-target'];
      const json = typeof target === 'string';
      const action = json
        ? (target.split('.').pop() ?? '')
        : (/(?:^|&)Action=([A-Za-z]+)/.exec(text)?.[1] ?? '');
      const sdk = String(req.headers['amz-sdk-request'] ?? '');
      const fault =
        forced.get(action) ??
        (next() < share ? faultKinds[Math.floor(next() * faultKinds.length)] : undefined);
      // Resets and timeouts strike before the request reaches the emulator, or after (the answer is lost).
      const after = fault === 'reset' || fault === 'timeout' ? next() < 0.5 : false;
      const forwarded = fault === undefined || after;
      requests.push({
        action,
        invocation: String(req.headers['amz-sdk-invocation-id'] ?? ''),
        attempt: Number(/attempt=(\d+)/.exec(sdk)?.[1] ?? 0),
        maxAttempts: Number(/max=(\d+)/.exec(sdk)?.[1] ?? 0),
        ...(fault ? { fault } : {}),
        reachedEmulator: forwarded,
        body: text,
      });

      const refuse = (status: number, code: string, message: string) => {
        if (json) {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': code });
          res.end(JSON.stringify({ __type: code, message }));
        } else {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(
            `<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
          );
        }
      };
      const lose = () => {
        if (fault === 'reset') req.socket.destroy();
        else held.add(req); // timeout: never answered; the client's request timeout ends it
      };
      if (fault === 'throttling')
        return refuse(400, json ? 'ThrottlingException' : 'Throttling', 'Rate exceeded');
      if (fault === 'request-limit') return refuse(400, 'RequestLimitExceeded', 'Request limit exceeded.');
      if (fault === 'http-500') return refuse(500, 'InternalFailure', 'We encountered an internal error.');
      if (fault && !after) return lose();

      const upstreamRequest = httpRequest(
        {
          host: up.hostname,
          port: up.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (fault) return lose();
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(parts));
          });
        },
      );
      upstreamRequest.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstreamRequest.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get rate() {
      return share;
    },
    setRate(value) {
      share = value;
    },
    failAction(action, kind) {
      if (kind) forced.set(action, kind);
      else forced.delete(action);
    },
    async stop() {
      for (const req of held) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
