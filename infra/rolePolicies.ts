import type { Statement } from './functionPermissions';
import { MAX_ROLE_INLINE_POLICY, policyTextSize } from './stackLimits';

/** IAM: the characters of one customer managed policy, white space not counted. */
export const MAX_MANAGED_POLICY = 6_144;
/** What a document's envelope (`{"Version":…,"Statement":[…]}`) and the inline policy's name take of a budget. */
const ENVELOPE = 96;

/**
 * A role's statements as IAM takes them: those that fit its inline policy (10,240 characters) stay there, in
 * their order, and the rest go into customer managed policies of at most 6,144 characters each, attached to the
 * role. A statement too large for one (a grant listing hundreds of groups) is cut into statements of the same
 * grant, each with a share of its resources. The grants are the same, only written in more places: a policy of
 * a few hundred groups, or a few dozen databases (each with statements of its own), fits one role.
 */
export function rolePolicies(statements: readonly Statement[]): {
  readonly inline: Statement[];
  readonly managed: Statement[][];
} {
  const inline: Statement[] = [];
  const managed: Statement[][] = [];
  // First fit: the inline policy, then each managed policy in turn, then a new one. A grant is cut in pieces of
  // half a managed policy, so the pieces fill the policies well; the order of statements means nothing to IAM.
  for (const statement of statements.flatMap((s) => cut(s, PIECE))) {
    const size = policyTextSize(statement) + 1;
    if (sizeOf(inline) + size <= MAX_ROLE_INLINE_POLICY) {
      inline.push(statement);
      continue;
    }
    const room = managed.find((m) => sizeOf(m) + size <= MAX_MANAGED_POLICY);
    if (room) room.push(statement);
    else managed.push([statement]);
  }
  return { inline, managed };
}

/** The largest piece a grant is cut into. */
const PIECE = Math.floor((MAX_MANAGED_POLICY - ENVELOPE - 2) / 2);

const sizeOf = (statements: readonly Statement[]) =>
  ENVELOPE + statements.reduce((sum, s) => sum + policyTextSize(s) + 1, 0);

/** The statement as statements of at most `limit` characters, each with a share of its resources. */
function cut(statement: Statement, limit: number): Statement[] {
  const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  if (policyTextSize(statement) <= limit || resources.length < 2) return [statement];
  const pieces: Statement[] = [];
  let share: unknown[] = [];
  for (const resource of resources) {
    const next = [...share, resource];
    if (share.length > 0 && policyTextSize({ ...statement, Resource: next }) > limit) {
      pieces.push({ ...statement, Resource: share });
      share = [resource];
    } else share = next;
  }
  pieces.push({ ...statement, Resource: share });
  return pieces;
}
