import { readFileSync, statSync } from 'node:fs';
import { PolicyValidationError } from '../errors';
import { fileProblem } from '../fileProblem';
import { MAX_POLICY_CHARS, parsePolicy, type ValidateOptions } from './parsePolicy';
import type { Policy } from './schema';

/**
 * Reads and validates a policy file (for a stage's alarm names); problems are reported against its path as given
 * (which file the operator named: two stages' `scalepilot.yml` are told apart).
 */
export function loadPolicyFile(path: string, options: ValidateOptions = {}): Policy {
  let text: string;
  try {
    // Refuse a huge file before reading it whole.
    const size = statSync(path).size;
    if (size > MAX_POLICY_CHARS)
      throw new PolicyValidationError(path, [
        { path: '(file)', message: `is ${size} bytes; a policy may be at most ${MAX_POLICY_CHARS} (1 MiB)` },
      ]);
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if (cause instanceof PolicyValidationError) throw cause;
    // The path as given (which file the operator named), and why in words rather than Node's error text.
    throw new PolicyValidationError(
      path,
      [{ path: '(file)', message: `cannot be read (${fileProblem(cause)})` }],
      {
        cause,
      },
    );
  }
  return parsePolicy(text, path, options);
}
