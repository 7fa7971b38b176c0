import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type PolicyProblem, PolicyValidationError } from '../errors';
import { alarmDefinitions, alarmNameProblems } from './alarmDefinitions';
import { checkMeaning } from './checkMeaning';
import { describePath } from './describePath';
import { type Policy, PolicySchema } from './schema';

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
        message: e.message.split('\n')[0] ?? e.message,
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

/** A policy is a page or two of YAML; anything near a mebibyte is a mistake or an attack. */
export const MAX_POLICY_CHARS = 1024 * 1024;
/** The most alias expansions a policy may use: enough for shared rule blocks, far from an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

/** Options of validation: the stage the alarms will be named for (default `dev`). */
export interface ValidateOptions {
  readonly stage?: string;
}

/** Validates an already-parsed document (YAML or JSON); see parsePolicy. */
export function validatePolicy(raw: unknown, file = 'scalepilot.yml', options: ValidateOptions = {}): Policy {
  const result = PolicySchema.safeParse(raw);
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((i) => toProblems(raw, i))),
    ...checkMeaning(raw),
  ];
  // The generated alarms need the typed policy: checked once the structure is sound.
  if (result.success && problems.length === 0) {
    const stage = options.stage ?? 'dev';
    problems.push(...alarmNameProblems(alarmDefinitions(result.data, stage), stage));
  }
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
  // A record key (a dimension name) refused: its own checks' messages, at the key's place.
  if (issue.code === 'invalid_key')
    return issue.issues.map((i) => ({
      path: `${describePath(raw, issue.path)} (name)`,
      message: i.message,
    }));
  return [{ path: describePath(raw, issue.path), message: issue.message }];
}
