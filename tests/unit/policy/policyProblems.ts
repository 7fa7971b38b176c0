import { PolicyValidationError } from '../../../shared/errors';
import { validatePolicy } from '../../../shared/policy/parsePolicy';

/** The lines validation refuses a policy with (`path: message` each), none when it is valid. */
export function policyProblems(raw: unknown): string[] {
  try {
    validatePolicy(raw);
    return [];
  } catch (error) {
    if (error instanceof PolicyValidationError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
}
