import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PolicyValidationError } from '../errors';
import { parsePolicy } from './parsePolicy';
import type { Policy } from './schema';

/** Reads and validates a policy file; problems are reported against the file's name. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new PolicyValidationError(
      basename(path),
      [{ path: '(file)', message: `cannot be read: ${String(cause)}` }],
      {
        cause,
      },
    );
  }
  return parsePolicy(text, basename(path));
}
