import { statSync } from 'node:fs';
import { PolicyValidationError } from '../errors';
import { fileProblem } from '../fileProblem';
import { readFileUpTo, utf16Problem } from '../readFileUpTo';
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
    // A device or a pipe has no size to check first (`/dev/zero` says 0 and never ends): read up to the limit.
    const read = readFileUpTo(path, MAX_POLICY_CHARS);
    if (read.tooLong)
      throw new PolicyValidationError(path, [
        {
          path: '(file)',
          message: `goes on past ${MAX_POLICY_CHARS} bytes; a policy may be at most that (1 MiB)`,
        },
      ]);
    // Notepad's and PowerShell's "Unicode" is UTF-16: read as UTF-8 it was one string, and the problem read
    // `(top level): expected object, received string`.
    if (read.utf16Bom)
      throw new PolicyValidationError(path, [
        {
          path: '(file)',
          message: utf16Problem(read.utf16Bom),
        },
      ]);
    text = read.text;
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
