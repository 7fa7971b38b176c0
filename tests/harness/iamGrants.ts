import type { Statement } from '../../infra/functionPermissions';

/**
 * Each (action, condition, resource) a list of statements allows, sorted: two lists grant the same when these
 * are equal, however the statements are merged, cut or spread over policies.
 */
export const grants = (statements: readonly Statement[]): string[] =>
  statements
    .flatMap((s) =>
      (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).flatMap((r) =>
        s.Action.map((a) => JSON.stringify([a, s.Condition ?? null, r])),
      ),
    )
    .sort();
