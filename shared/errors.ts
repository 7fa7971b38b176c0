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

/** An incoming Lambda event that does not have the shape of any event Scalepilot subscribes to. */
export class MalformedEventError extends ScalingError {}

/** An alarm whose name the policy does not generate: Scalepilot will not guess what it is for. */
export class UnknownAlarmError extends ScalingError {
  constructor(
    readonly alarmName: string,
    options?: ErrorOptions,
  ) {
    super(`alarm "${alarmName}" is not one of the alarms generated from the policy`, options);
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

/** An AWS call made through an adapter failed; the SDK error is the `cause`. */
export class AwsCallError extends ScalingError {
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
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
