import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { emulatorConfig } from '../../shared/adapters/awsConfig';
import { BusyTime, forwardToMoto, harnessAnswer, motoRequestBody, OneAtATime } from './emulatorProxy';
import { freePort, type MotoServer, startMotoServer } from './motoServer';

/**
 * The local AWS emulator (tests and `npm start`): a moto server behind a small counting proxy on loopback.
 * The proxy counts the requests that reach the emulator by action, so a test can assert "exactly one
 * SetDesiredCapacity" against real traffic rather than a mock.
 *
 * Emulator limits worked around here: moto has no DescribeInstanceRefreshes, so the proxy answers it
 * with "no refreshes" (the adapter's busy path is covered with aws-sdk-client-mock in its unit test); moto
 * answers concurrent DynamoDB transactions with HTML 500 pages, so DynamoDB calls reach it one at a time;
 * moto finds scaling policies by name only, so a policy's ARN reaches it as its name (motoRequestBody).
 */
export interface Emulator {
  readonly endpoint: string;
  /** moto itself, behind no proxy (for a layer that needs to read or change what moto stores). */
  readonly motoEndpoint: string;
  readonly aws: ReturnType<typeof emulatorConfig>;
  /** The moto_server process behind the proxy. */
  readonly pid: number;
  /** How many requests with this action reached the emulator since the last reset. */
  calls(action: string): number;
  /** Every action seen since the last reset, in order. */
  actions(): string[];
  /**
   * Rewrites the emulator's answers to one action (undefined: stop rewriting). The local account uses it
   * to show instances as Pending while they boot, which moto's instances never are.
   */
  rewrite(action: string, edit: ((body: string) => string) | undefined): void;
  /**
   * How long the emulator was busy answering since the last reset: the union of the intervals during which
   * at least one request was waiting on moto (what the emulator's own slowness costs a run).
   */
  busyMs(): number;
  /**
   * Answers an action moto does not have, with a JSON body (undefined: stop); a string is sent as it is, as
   * XML (the query protocols' answer). The local account uses it for Cost Explorer's GetCostForecast.
   */
  answer(action: string, json: (() => unknown) | undefined): void;
  /**
   * Puts a layer in front of moto for every request (undefined: remove it): it may answer itself, or
   * forward to moto and change the answer. The AWS behaviour layer (tests/harness/awsBehaviour) uses it.
   */
  intercept(interceptor: Interceptor | undefined): void;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** One request as it reached the proxy. */
export interface EmulatorCall {
  /** The API action (`DescribeDBInstances`, `TransactWriteItems`, …). */
  readonly action: string | undefined;
  /** The signing name of the service (`rds`, `elasticache`, `monitoring`, `dynamodb`, …), from the signature. */
  readonly service: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An answer to send back; `destroy` drops the connection instead (a reset). */
export interface EmulatorAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly destroy?: boolean;
}

/** `forward` sends the request on (with another body, when given) and returns what the emulator answered. */
export type Interceptor = (
  call: EmulatorCall,
  forward: (body?: Buffer) => Promise<EmulatorAnswer>,
) => Promise<EmulatorAnswer>;

/** `moto`: a server to put the proxy in front of (the tests' warm pool); stopping the emulator stops it. */
export async function startEmulator(options: { moto?: MotoServer } = {}): Promise<Emulator> {
  const moto: MotoServer = options.moto ?? (await startMotoServer());
  const seen: string[] = [];
  const rewrites = new Map<string, (body: string) => string>();
  const answers = new Map<string, () => unknown>();
  const busy = new BusyTime();
  let interceptor: Interceptor | undefined;
  /** What the emulator answers: the harness's own answer to the action, else moto's, with its rewrite applied. */
  const forward = (call: EmulatorCall, body: Buffer) => {
    const own = harnessAnswer(call.action, answers);
    if (own) return Promise.resolve(own);
    busy.start();
    const edit = call.action ? rewrites.get(call.action) : undefined;
    return forwardToMoto(moto.port, call, motoRequestBody(call.action, body), edit).finally(() => busy.end());
  };
  const server = proxyServer(forward, seen, () => interceptor);
  const port = await freePort();
  await new Promise<void>((ok) => server.listen(port, '127.0.0.1', () => ok()));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    motoEndpoint: moto.endpoint,
    busyMs: () => busy.ms(),
    aws: emulatorConfig(endpoint),
    pid: moto.pid,
    calls: (action) => seen.filter((a) => a === action).length,
    actions: () => [...seen],
    answer(action, json) {
      if (json) answers.set(action, json);
      else answers.delete(action);
    },
    intercept(next) {
      interceptor = next;
    },
    rewrite(action, edit) {
      if (edit) rewrites.set(action, edit);
      else rewrites.delete(action);
    },
    async reset() {
      await moto.reset();
      seen.length = 0;
      busy.reset();
    },
    async stop() {
      await new Promise<void>((ok) => server.close(() => ok()));
      await moto.stop();
    },
  };
}

/**
 * The server the SDK clients talk to: it notes each call's action and passes it through the interceptor (when
 * the harness set one) to `forward`.
 */
function proxyServer(
  forward: (call: EmulatorCall, body: Buffer) => Promise<EmulatorAnswer>,
  seen: string[],
  interceptor: () => Interceptor | undefined,
): Server {
  const dynamo = new OneAtATime();
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = emulatorCall(req, Buffer.concat(chunks));
      if (call.action) seen.push(call.action);
      const send = (changed?: Buffer) => forward(call, changed ?? call.body);
      // moto copies its tables in TransactWriteItems and answers a concurrent DynamoDB call with an HTML 500
      // page: DynamoDB calls reach it one at a time (the functions run side by side, as in Lambda).
      const next = call.service === 'dynamodb' ? (changed?: Buffer) => dynamo.run(() => send(changed)) : send;
      const intercept = interceptor();
      void respond(req, res, intercept ? intercept(call, next) : next());
    });
  });
}

/** The answer sent back (or the connection dropped, when the answer says so). */
async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  answering: Promise<EmulatorAnswer>,
): Promise<void> {
  try {
    const answer = await answering;
    if (answer.destroy) return void req.socket.destroy();
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  } catch (error) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(`emulator proxy failed: ${error instanceof Error ? error.stack : String(error)}`);
  }
}

/** One request as the proxy received it. */
function emulatorCall(req: IncomingMessage, body: Buffer): EmulatorCall {
  return {
    action: actionOf(req.headers['x-amz-target'], body.toString('utf8'), req.url ?? ''),
    service: serviceOf(req.headers.authorization),
    method: req.method ?? 'POST',
    url: req.url ?? '/',
    headers: req.headers,
    body,
  };
}

/** The service's signing name, from `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
function serviceOf(authorization: string | undefined): string | undefined {
  return authorization ? /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1] : undefined;
}

function actionOf(target: string | string[] | undefined, body: string, url: string): string | undefined {
  if (typeof target === 'string') return target.split('.').pop();
  const fromBody = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (fromBody) return fromBody;
  return /[?&]Action=([A-Za-z]+)/.exec(url)?.[1];
}
