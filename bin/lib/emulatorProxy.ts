import { request as httpRequest } from 'node:http';
import type { EmulatorAnswer, EmulatorCall } from './emulator';

// The emulator proxy's parts: moto's answer fetched, the harness's own answers, busy time, DynamoDB one at a time.

const NO_INSTANCE_REFRESHES =
  '<DescribeInstanceRefreshesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeInstanceRefreshesResult><InstanceRefreshes/></DescribeInstanceRefreshesResult><ResponseMetadata><RequestId>harness</RequestId></ResponseMetadata></DescribeInstanceRefreshesResponse>';

/**
 * The harness's own answer to an action moto does not have: DescribeInstanceRefreshes (none), or one the
 * local account set with `answer` (a string is sent as XML, anything else as JSON). Undefined: ask moto.
 */
export function harnessAnswer(
  action: string | undefined,
  answers: ReadonlyMap<string, () => unknown>,
): EmulatorAnswer | undefined {
  if (action === 'DescribeInstanceRefreshes')
    return { status: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(NO_INSTANCE_REFRESHES) };
  const answer = action ? answers.get(action) : undefined;
  if (!answer) return undefined;
  const made = answer();
  return {
    status: 200,
    headers: { 'content-type': typeof made === 'string' ? 'text/xml' : 'application/x-amz-json-1.1' },
    body: Buffer.from(typeof made === 'string' ? made : JSON.stringify(made)),
  };
}

/** A policy's ARN as AWS and moto write it: `…:scalingPolicy:<id>:autoScalingGroupName/<group>:policyName/<name>`. */
const POLICY_ARN =
  /^arn:[^:]+:autoscaling:[^:]*:[^:]*:scalingPolicy:[^:]*:autoScalingGroupName\/.+:policyName\/(.+)$/;

/**
 * The request as moto understands it. DescribePolicies takes a policy's name or its ARN in `PolicyNames` (the
 * ResourceName type); moto matches names only, and keys its policies by name alone: each ARN goes to moto as
 * its policy's name (the adapter keeps, of what comes back, the policies whose ARN it asked for).
 */
export function motoRequestBody(action: string | undefined, body: Buffer): Buffer {
  if (action !== 'DescribePolicies') return body;
  const form = new URLSearchParams(body.toString('utf8'));
  let changed = false;
  for (const [key, value] of [...form]) {
    const name = /^PolicyNames\.member\.\d+$/.test(key) ? POLICY_ARN.exec(value)?.[1] : undefined;
    if (name === undefined) continue;
    form.set(key, name);
    changed = true;
  }
  return changed ? Buffer.from(form.toString()) : body;
}

/** The request sent on to moto with `body`; its answer, edited by `edit` when given (a 502 if moto is unreachable). */
export function forwardToMoto(
  motoPort: number,
  call: EmulatorCall,
  body: Buffer,
  edit?: (body: string) => string,
): Promise<EmulatorAnswer> {
  return new Promise<EmulatorAnswer>((done) => {
    const headers = { ...call.headers, 'content-length': String(body.length) };
    const upstream = httpRequest(
      { host: '127.0.0.1', port: motoPort, method: call.method, path: call.url, headers },
      (up) => {
        const parts: Buffer[] = [];
        up.on('data', (c: Buffer) => parts.push(c));
        up.on('end', () => {
          const raw = Buffer.concat(parts);
          const edited = edit ? Buffer.from(edit(raw.toString('utf8'))) : raw;
          const { 'content-length': _, 'transfer-encoding': __, ...answerHeaders } = up.headers;
          done({ status: up.statusCode ?? 502, headers: answerHeaders, body: edited });
        });
      },
    );
    upstream.on('error', (error) => done({ status: 502, headers: {}, body: Buffer.from(String(error)) }));
    upstream.end(body);
  });
}

/** How long at least one request was waiting on moto: the union of the intervals with requests in flight. */
export class BusyTime {
  private inFlight = 0;
  private since = 0;
  private total = 0;

  start(): void {
    if (this.inFlight === 0) this.since = performance.now();
    this.inFlight += 1;
  }

  end(): void {
    this.inFlight -= 1;
    if (this.inFlight === 0) this.total += performance.now() - this.since;
  }

  ms(): number {
    return this.total + (this.inFlight > 0 ? performance.now() - this.since : 0);
  }

  reset(): void {
    this.total = 0;
  }
}

/** Work run one piece after another, whether the one before succeeded or failed. */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => undefined);
    return next;
  }
}
