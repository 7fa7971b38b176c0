import type { z } from 'zod';
import { type PolicyProblem, PolicyValidationError } from '../errors';
import { alarmDefinitions, alarmNameProblems } from './alarmDefinitions';
import { checkMeaning } from './checkMeaning';
import { describePath } from './describePath';
import { type Policy, PolicySchema } from './schema';

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
