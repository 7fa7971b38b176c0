import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type PolicyProblem, PolicyValidationError } from '../errors';
import { checkMeaning } from './checkMeaning';
import { describePath } from './describePath';
import { type Policy, PolicySchema } from './schema';

/**
 * Parses and validates a policy document: YAML syntax, then structure (the strict schema), then meaning.
 * Returns the typed policy with defaults applied, or throws one PolicyValidationError listing every problem.
 */
export function parsePolicy(text: string, file = 'scalepilot.yml'): Policy {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new PolicyValidationError(
      file,
      document.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}`,
        message: e.message.split('\n')[0] ?? e.message,
      })),
    );
  }
  return validatePolicy(document.toJS(), file);
}

/** Validates an already-parsed document (YAML or JSON); see parsePolicy. */
export function validatePolicy(raw: unknown, file = 'scalepilot.yml'): Policy {
  const result = PolicySchema.safeParse(raw);
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((i) => toProblems(raw, i))),
    ...checkMeaning(raw),
  ];
  if (problems.length > 0 || !result.success) throw new PolicyValidationError(file, problems);
  return result.data;
}

function toProblems(raw: unknown, issue: z.core.$ZodIssue): PolicyProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: describePath(raw, [...issue.path, key]),
      message: 'unknown key',
    }));
  }
  return [{ path: describePath(raw, issue.path), message: issue.message }];
}
