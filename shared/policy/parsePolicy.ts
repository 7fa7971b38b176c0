import { type Document, isAlias, LineCounter, parseDocument, visit } from 'yaml';
import { type PolicyProblem, PolicyValidationError } from '../errors';
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
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, lineCounter: lines });
  if (document.errors.length > 0) {
    throw new PolicyValidationError(
      file,
      document.errors.map((e) => ({
        path: `line ${e.linePos?.[0]?.line ?? '?'}, column ${e.linePos?.[0]?.col ?? '?'}`,
        message: yamlMessage(e.message),
      })),
    );
  }
  const unresolved = unresolvedAliases(document, lines);
  if (unresolved.length > 0) throw new PolicyValidationError(file, unresolved);
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
 * Each alias that names no anchor before it, by its place. The reader refuses one only when the document is
 * converted, with the alias bomb's error: it was reported as "too many YAML aliases", placed nowhere.
 */
function unresolvedAliases(document: Document, lines: LineCounter): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  // One pass in document order (Alias.resolve walks the whole document for each alias, quadratic in a file of them),
  // each name said at its first use (a file of a thousand uses is one mistake).
  const anchors = new Set<string>();
  const said = new Set<string>();
  visit(document, {
    Node(_, node) {
      if (!isAlias(node) && node.anchor) anchors.add(node.anchor);
      if (!isAlias(node) || anchors.has(node.source) || said.has(node.source)) return;
      said.add(node.source);
      const { line, col } = lines.linePos(node.range?.[0] ?? 0);
      problems.push({
        path: `line ${line}, column ${col}`,
        message: `*${node.source} names no anchor: an anchor &${node.source} must come before it`,
      });
    },
  });
  return problems;
}

/**
 * A YAML error's first line, without the place (" at line 3, column 1:") the problem's path already gives, in the
 * operator's words where the reader's are a programmer's: a document nested thousands deep overflows its stack
 * ("Maximum call stack size exceeded"), and a second document it tells to "use YAML.parseAllDocuments()".
 */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  if (/Maximum call stack size exceeded/.test(first))
    return 'nested too deeply (a policy is a few levels of maps and lists)';
  if (/multiple documents/.test(first))
    return 'a second YAML document starts here (---): a policy file holds one';
  return first;
}

/** A policy is a page or two of YAML; anything near a mebibyte is a mistake or an attack. */
export const MAX_POLICY_CHARS = 1024 * 1024;
/** The most alias expansions a policy may use: enough for shared rule blocks, far from an alias bomb. */
export const MAX_ALIAS_COUNT = 100;
