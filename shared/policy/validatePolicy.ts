import type { z } from 'zod';
import { type PolicyProblem, PolicyValidationError } from '../errors';
import { alarmDefinitions, alarmNameProblems } from './alarmDefinitions';
import { checkMeaning } from './checkMeaning';
import { describePath, isRecord } from './describePath';
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
  if (problems.length > 0 || !result.success) throw new PolicyValidationError(file, withoutRepeats(problems));
  return result.data;
}

/**
 * Each problem once: a value can fail two checks that say the same (1e23 is neither a safe integer nor at most
 * the maximum, each "must be a whole number from 1 to 10000"), and the operator read the line twice.
 */
function withoutRepeats(problems: readonly PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
  return [{ path: describePath(raw, issue.path), message: missingKey(raw, issue) ?? issue.message }];
}

/**
 * A key the schema requires and the document leaves out, said as such: zod's words were `expected number,
 * received undefined` (and `Invalid discriminator value` for a target without its `kind`), which read as a value
 * of the wrong type. Undefined when the key is there (YAML and JSON have no undefined value: a key written with
 * none is null, whose problem stays zod's).
 */
function missingKey(raw: unknown, issue: z.core.$ZodIssue): string | undefined {
  const key = issue.path.at(-1);
  let parent: unknown = raw;
  for (const step of issue.path.slice(0, -1))
    parent =
      isRecord(parent) || Array.isArray(parent) ? (parent as Record<PropertyKey, unknown>)[step] : undefined;
  if (typeof key !== 'string' || !isRecord(parent) || Object.hasOwn(parent, key)) return undefined;
  if (issue.code === 'invalid_type') return `missing: required (expected ${issue.expected})`;
  if (issue.code === 'invalid_value')
    return `missing: required (expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')})`;
  if (issue.code === 'invalid_union' && 'options' in issue)
    return `missing: required (expected ${(issue.options as unknown[]).map((v) => `'${String(v)}'`).join(' | ')})`;
  return undefined;
}
