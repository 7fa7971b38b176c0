import type { ApiCallBudget } from './ApiCallBudget';
import { fencedRequestHandler } from './fencedRequestHandler';

/**
 * The one configuration seam for every AWS SDK client: region, and an endpoint with dummy credentials when
 * the target is the local emulator. Retries use the SDK's own standard strategy (adaptive for the control
 * planes, see controlPlaneClientOptions), which treats every 5xx as transient, including one whose body is
 * no AWS answer (an HTML page from a load balancer or an overloaded emulator: the SDK cannot parse it, but
 * retries on its status); one that still fails is an AwsCallError that says so (`transient`).
 */
export interface AwsConfig {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** How long one attempt may go without an answer before the SDK drops it and retries (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** The scalers' share of the account's API rate: every attempt of every client waits its turn and is counted. */
  readonly budget?: ApiCallBudget;
  /** Attempts per call, the first included (default 3: three must fit in a function's 60 s). */
  readonly maxAttempts?: number;
}

/** A function runs 60 s: three attempts of a call that hangs must fit in it, with time left to record. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Client options for `new XxxClient(clientOptions(config))`. */
export function clientOptions(config: AwsConfig) {
  // Without these a connection that never answers holds the call until the function times out (the
  // SDK's own socket timeout is minutes): the attempt must fail and be retried instead.
  const handler = {
    connectionTimeout: 3_000,
    requestTimeout: config.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    // Without this the SDK only logs a warning when the request timeout passes, and keeps waiting.
    throwOnRequestTimeout: true,
  };
  return {
    region: config.region,
    maxAttempts: config.maxAttempts ?? 3,
    retryMode: 'standard' as 'standard' | 'adaptive',
    requestHandler: fencedRequestHandler(handler, config.budget),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  };
}

/**
 * Options for a control plane's client (Auto Scaling, RDS, ElastiCache): the SDK's adaptive retry mode,
 * which slows the client's own sending when the service throttles it (the account's rate is shared with
 * every other tool there), on top of the standard retries.
 */
export function controlPlaneClientOptions(config: AwsConfig) {
  return { ...clientOptions(config), retryMode: 'adaptive' as const };
}

/**
 * The configuration a Lambda runs with: AWS_REGION (Lambda always sets it), and AWS_ENDPOINT_URL for the
 * emulator. The CLI finds its region as the SDK does, a profile's included (bin/lib/cliRegion.ts).
 */
export function awsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
  };
}

/** The region of the local emulator's account: `npm start` deploys the local stack there. */
export const EMULATOR_REGION = 'us-east-1';

/**
 * An emulator endpoint with the dummy credentials it accepts. The emulator answers a burst of HTML 500s
 * when its threads are all busy (a busy 2-core machine): five attempts ride one out. A slow answer there is
 * load, not a lost connection: an attempt waits a minute before it is retried (a retried create that had
 * gone through would be refused as a duplicate, a launch template for one).
 */
export function emulatorConfig(endpoint: string, region = EMULATOR_REGION): AwsConfig {
  return {
    region,
    endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: EMULATOR_ATTEMPTS,
    requestTimeoutMs: 60_000,
  };
}

/** Attempts per call against the local emulator. */
export const EMULATOR_ATTEMPTS = 5;
