import type { Statement } from './functionPermissions';
import { MAX_MANAGED_POLICY, MAX_ROLE_INLINE_POLICY, policyTextSize } from './stackLimits';

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
  // Each policy with its size so far (its envelope, then each statement and its comma), kept as it fills.
  const inline = { statements: [] as Statement[], size: ENVELOPE };
  const managed: { statements: Statement[]; size: number }[] = [];
  // First fit: the inline policy, then each managed policy in turn, then a new one. A grant is cut in pieces of
  // half a managed policy, so the pieces fill the policies well; the order of statements means nothing to IAM.
  for (const statement of statements.flatMap((s) => cut(s, PIECE))) {
    const size = policyTextSize(statement) + 1;
    const room =
      inline.size + size <= MAX_ROLE_INLINE_POLICY
        ? inline
        : managed.find((m) => m.size + size <= MAX_MANAGED_POLICY);
    const into = room ?? { statements: [], size: ENVELOPE };
    if (!room) managed.push(into);
    into.statements.push(statement);
    into.size += size;
  }
  return { inline: inline.statements, managed: managed.map((m) => m.statements) };
}

/** The largest piece a grant is cut into. */
const PIECE = Math.floor((MAX_MANAGED_POLICY - ENVELOPE - 2) / 2);

/** The statement as statements of at most `limit` characters, each with a share of its resources. */
function cut(statement: Statement, limit: number): Statement[] {
  const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  if (resources.length < 2 || policyTextSize(statement) <= limit) return [statement];
  // A piece's size: the statement with no resource, and each resource with its comma.
  const bare = policyTextSize({ ...statement, Resource: [] });
  const pieces: Statement[] = [];
  let share: unknown[] = [];
  let size = bare;
  for (const resource of resources) {
    const own = policyTextSize(resource);
    if (share.length > 0 && size + 1 + own > limit) {
      pieces.push({ ...statement, Resource: share });
      share = [];
      size = bare;
    }
    size += own + (share.length > 0 ? 1 : 0);
    share.push(resource);
  }
  pieces.push({ ...statement, Resource: share });
  return pieces;
}
