import { parseDocument } from 'yaml';
import { PolicyValidationError } from '../errors';
import type { Policy } from './schema';
import { type ValidateOptions, validatePolicy } from './validatePolicy';

// Validation has a module of its own, which does not load the YAML reader (the backtest validates its own target).
export { type ValidateOptions, validatePolicy } from './validatePolicy';

/**
 * Parses and validates a policy document: YAML syntax, then structure (the strict schema), then meaning.
 * Returns the typed policy with defaults applied, or throws one PolicyValidationError listing every problem.
 */
export function parsePolicy(text: string, file = 'scalepilot.yml', options: ValidateOptions = {}): Policy {
  if (text.length > MAX_POLICY_CHARS)
    throw new PolicyValidationError(file, [
      {
        path: '(file)',
        message: `is ${text.length} characters; a policy may have at most ${MAX_POLICY_CHARS}`,
      },
    ]);
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new PolicyValidationError(
      file,
      document.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}`,
        message: yamlMessage(e.message),
      })),
    );
  }
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    // yaml refuses alias expansion past maxAliasCount (a "billion laughs" document would expand to
    // gigabytes); that refusal is the operator's problem to read, not a stack trace.
    throw new PolicyValidationError(
      file,
      [
        {
          path: '(file)',
          message: `too many YAML aliases (a policy may expand at most ${MAX_ALIAS_COUNT}): ${cause instanceof Error ? cause.message : String(cause)}`,
        },
      ],
      { cause },
    );
  }
  return validatePolicy(raw, file, options);
}

/**
 * A YAML error's first line, without the place (" at line 3, column 1:") the problem's path already gives. A
 * document nested thousands deep overflows the reader's stack: said so, not as JavaScript's "Maximum call stack
 * size exceeded".
 */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  return /Maximum call stack size exceeded/.test(first)
    ? 'nested too deeply (a policy is a few levels of maps and lists)'
    : first;
}

/** A policy is a page or two of YAML; anything near a mebibyte is a mistake or an attack. */
export const MAX_POLICY_CHARS = 1024 * 1024;
/** The most alias expansions a policy may use: enough for shared rule blocks, far from an alias bomb. */
export const MAX_ALIAS_COUNT = 100;
