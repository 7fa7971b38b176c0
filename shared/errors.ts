/** Base of every error Scalepilot raises on purpose; `cause` keeps the underlying failure. */
export class ScalingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem found in a policy, with its place: `targets[2] "api".capacity.max`. */
export interface PolicyProblem {
  readonly path: string;
  readonly message: string;
}

/** A policy that failed structural or semantic validation; carries every problem, not just the first. */
export class PolicyValidationError extends ScalingError {
  constructor(
    readonly file: string,
    readonly problems: readonly PolicyProblem[],
    options?: ErrorOptions,
  ) {
    // One problem is one line (what the operator reads first); several get a count above them.
    const lines = problems.map((p) => `${file}: ${p.path}: ${p.message}`);
    super(
      lines.length === 1 ? (lines[0] ?? '') : `${file}: ${problems.length} problems\n${lines.join('\n')}`,
      options,
    );
  }
}

/**
 * A value from an incoming event, as a message quotes it: cut after `max` characters (an alarm name is at most
 * 255), so a refusal stays one readable log line however large the event (Lambda takes up to 1 MB; CloudWatch
 * Logs cuts a log event at 256 KB).
 */
export function clipped(value: string, max = 256): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}

/** The first `max` names of a list, each clipped and in double quotes, and how many more there were. */
export function clippedNames(values: readonly string[], max = 5): string {
  const shown = values.slice(0, max).map((v) => `"${clipped(v)}"`);
  return values.length > max ? `${shown.join(', ')} and ${values.length - max} more` : shown.join(', ');
}

/** An incoming Lambda event that does not have the shape of any event Scalepilot subscribes to. */
export class MalformedEventError extends ScalingError {}

/**
 * An event stamped further ahead of the function's clock than the clock skew tolerated: no AWS service sent
 * it now (a forged or replayed event, or a clock gone wrong). Refused like a malformed event, nothing read.
 */
export class FutureEventError extends MalformedEventError {}

/**
 * An alarm whose name the policy does not generate: Scalepilot will not guess what it is for. `why` says why
 * none matched when the policy tells more (it generates no alarms at all).
 */
export class UnknownAlarmError extends ScalingError {
  constructor(
    readonly alarmName: string,
    options?: ErrorOptions & { readonly why?: string },
  ) {
    const why = options?.why ? `: ${options.why}` : '';
    super(`alarm "${clipped(alarmName)}" is not one of the alarms generated from the policy${why}`, options);
  }
}

/** A resource the policy names does not exist in the account. */
export class ResourceNotFoundError extends ScalingError {
  constructor(
    readonly kind: string,
    readonly resourceName: string,
    options?: ErrorOptions,
  ) {
    super(`${kind} "${resourceName}" does not exist`, options);
  }
}

/** What the SDK attaches to an error it got from AWS (or from what stood in AWS's place). */
interface SdkErrorShape {
  readonly name?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

const sdkShape = (cause: unknown): SdkErrorShape =>
  typeof cause === 'object' && cause !== null ? (cause as SdkErrorShape) : {};

/**
 * A 5xx whose body is no AWS answer (an HTML page from a load balancer or an overloaded emulator): the SDK
 * cannot read it and throws a parse error, but the failure is the server's and transient.
 */
export function isUnreadable5xx(cause: unknown): boolean {
  const status = sdkShape(cause).$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 &&
    (cause instanceof SyntaxError || /Deserialization error/.test(sdkShape(cause).message ?? ''))
  );
}

/**
 * AWS answered no (a 4xx other than throttling) to the call's only attempt: it changed nothing, and may accept
 * the same call later. A no to a retry proves nothing: the SDK retries an attempt that timed out or lost its
 * connection, which AWS may have carried out, and then answers the retry as it finds the resource (a reshard
 * already `modifying`: InvalidReplicationGroupState). Such a failure is not a refusal: the intent written ahead
 * stays for the next observation to settle.
 */
export function isRefusal(cause: unknown): boolean {
  const { $fault, $metadata, name } = sdkShape(cause);
  const status = $metadata?.httpStatusCode ?? 0;
  return (
    $fault === 'client' &&
    status >= 400 &&
    status < 500 &&
    ($metadata?.attempts ?? 1) <= 1 &&
    !/Throttl|RequestLimitExceeded|TooManyRequests|RequestTimeout|ExpiredToken/.test(name ?? '')
  );
}

function describeCause(cause: unknown): string {
  if (isUnreadable5xx(cause)) {
    const { $metadata } = sdkShape(cause);
    return `HTTP ${$metadata?.httpStatusCode} with a body that is no AWS answer (an HTML error page): a transient server failure, still failing after ${$metadata?.attempts ?? 1} attempt(s)`;
  }
  return cause instanceof Error ? cause.message : String(cause);
}

/** An AWS call made through an adapter failed; the SDK error is the `cause`. */
export class AwsCallError extends ScalingError {
  /** The server failed (a 5xx, an unreadable answer): the same call may well succeed in a moment. */
  readonly transient: boolean;

  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${operation} failed: ${describeCause(cause)}`, { cause });
    this.transient = isUnreadable5xx(cause) || sdkShape(cause).$fault === 'server';
  }
}

/**
 * AWS refused the call (InvalidDBInstanceState, InvalidReplicationGroupState, a quota …): nothing was done,
 * so an operation written ahead of it never started; the target retries later, backed off.
 */
export class RequestRefusedError extends AwsCallError {}

/** The error for a failed call: a refusal when AWS said no, else the call failed (it may have taken effect). */
export function awsCallError(operation: string, cause: unknown): AwsCallError {
  return isRefusal(cause) ? new RequestRefusedError(operation, cause) : new AwsCallError(operation, cause);
}

/** A write under a lease was refused: the lease expired or another evaluation took it. Nothing was written. */
export class LeaseLostError extends ScalingError {
  constructor(
    readonly target: string,
    readonly token: number,
    options?: ErrorOptions,
  ) {
    super(`lease ${token} on "${target}" is no longer held: not acting or recording under it`, options);
  }
}

/** Raised after all targets were evaluated when some could not even record their outcome; `cause` holds them. */
export class EvaluationFailedError extends ScalingError {
  constructor(readonly failures: readonly { target: string; error: unknown }[]) {
    super(
      `evaluation failed for ${failures.map((f) => `"${f.target}": ${f.error instanceof Error ? f.error.message : String(f.error)}`).join('; ')}`,
      { cause: failures.map((f) => f.error) },
    );
  }
}

/** What one kind of write sent in several calls did: how many calls went through, failed (the rest: never sent). */
export interface WriteTally {
  /** The kind, with its count of items and calls: `decision log (40 items, 2 BatchWriteItem calls)`. */
  readonly what: string;
  readonly calls: number;
  readonly written: number;
  readonly failed: number;
  /** The first of its calls' failures. */
  readonly error?: unknown;
}

/**
 * Writes of several kinds sent side by side, of which some failed: says what each kind's calls did, so a write
 * that went through is not taken for lost, nor one that failed (or was never sent) for done. `cause`: the
 * failures.
 */
export class PartialWriteError extends ScalingError {
  constructor(readonly tallies: readonly WriteTally[]) {
    super(`not all written: ${tallies.map(tallyText).join('; ')}`, {
      cause: tallies.flatMap((t) => (t.error === undefined ? [] : [t.error])),
    });
  }
}

function tallyText({ what, calls, written, failed, error }: WriteTally): string {
  if (written === calls) return `${what} written`;
  const unsent = calls - written - failed;
  const counts = [
    `${written} of ${calls} went through`,
    ...(failed > 0 ? [`${failed} failed`] : []),
    ...(unsent > 0 ? [`${unsent} not sent after the failure`] : []),
  ].join(', ');
  const why = error === undefined ? '' : `: ${error instanceof Error ? error.message : String(error)}`;
  return `${what} ${written === 0 ? 'not written' : 'partly written'} (${counts})${why}`;
}
