import { createServer, request as httpRequest, type Server } from 'node:http';
import { emulatorConfig } from '../../shared/adapters/awsConfig';
import { freePort, type MotoServer, startMotoServer } from './motoServer';

/**
 * The local AWS emulator (tests and `npm start`): a moto server behind a small counting proxy on loopback.
 * The proxy counts the requests that reach the emulator by action, so a test can assert "exactly one
 * SetDesiredCapacity" against real traffic rather than a mock.
 *
 * Emulator limits worked around here: moto has no DescribeInstanceRefreshes, so the proxy answers it
 * with "no refreshes" (the adapter's busy path is covered with aws-sdk-client-mock in its unit test).
 */
export interface Emulator {
  readonly endpoint: string;
  readonly aws: ReturnType<typeof emulatorConfig>;
  /** The moto_server process behind the proxy. */
  readonly pid: number;
  /** How many requests with this action reached the emulator since the last reset. */
  calls(action: string): number;
  /** Every action seen since the last reset, in order. */
  actions(): string[];
  /**
   * How long the emulator was busy answering since the last reset: the union of the intervals during which
   * at least one request was waiting on moto (what the emulator's own slowness costs a run).
   */
  busyMs(): number;
  /**
   * Rewrites the emulator's answers to one action (undefined: stop rewriting). The local account uses it
   * to show instances as Pending while they boot, which moto's instances never are.
   */
  rewrite(action: string, edit: ((body: string) => string) | undefined): void;
  /**
   * Answers an action moto does not have, with a JSON body (undefined: stop); a string is sent as it is, as
   * XML (the query protocols' answer). The local account uses it for Cost Explorer's GetCostForecast.
   */
  answer(action: string, json: (() => unknown) | undefined): void;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEmulator(): Promise<Emulator> {
  const moto: MotoServer = await startMotoServer();
  const seen: string[] = [];
  // Busy time: requests in flight, and since when at least one was.
  let inFlight = 0;
  let busySince = 0;
  let busy = 0;
  const started = () => {
    if (inFlight === 0) busySince = performance.now();
    inFlight += 1;
  };
  const ended = () => {
    inFlight -= 1;
    if (inFlight === 0) busy += performance.now() - busySince;
  };
  const rewrites = new Map<string, (body: string) => string>();
  const answers = new Map<string, () => unknown>();
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = actionOf(req.headers['x-amz-target'], body.toString('utf8'), req.url ?? '');
      if (action) seen.push(action);
      if (action === 'DescribeInstanceRefreshes') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<DescribeInstanceRefreshesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeInstanceRefreshesResult><InstanceRefreshes/></DescribeInstanceRefreshesResult><ResponseMetadata><RequestId>harness</RequestId></ResponseMetadata></DescribeInstanceRefreshesResponse>',
        );
        return;
      }
      const answer = action ? answers.get(action) : undefined;
      if (answer) {
        const body = answer();
        res.writeHead(200, {
          'content-type': typeof body === 'string' ? 'text/xml' : 'application/x-amz-json-1.1',
        });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
        return;
      }
      started();
      res.once('close', ended);
      const upstream = httpRequest(
        { host: '127.0.0.1', port: moto.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          const edit = action ? rewrites.get(action) : undefined;
          if (!edit) {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
            return;
          }
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const edited = Buffer.from(edit(Buffer.concat(parts).toString('utf8')));
            res.writeHead(up.statusCode ?? 502, { ...up.headers, 'content-length': String(edited.length) });
            res.end(edited);
          });
        },
      );
      upstream.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', () => ok()));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    aws: emulatorConfig(endpoint),
    pid: moto.pid,
    calls: (action) => seen.filter((a) => a === action).length,
    actions: () => [...seen],
    busyMs: () => busy + (inFlight > 0 ? performance.now() - busySince : 0),
    answer(action, json) {
      if (json) answers.set(action, json);
      else answers.delete(action);
    },
    rewrite(action, edit) {
      if (edit) rewrites.set(action, edit);
      else rewrites.delete(action);
    },
    async reset() {
      await moto.reset();
      seen.length = 0;
      busy = 0;
    },
    async stop() {
      await new Promise<void>((ok) => server.close(() => ok()));
      await moto.stop();
    },
  };
}

function actionOf(target: string | string[] | undefined, body: string, url: string): string | undefined {
  if (typeof target === 'string') return target.split('.').pop();
  const fromBody = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (fromBody) return fromBody;
  return /[?&]Action=([A-Za-z]+)/.exec(url)?.[1];
}
