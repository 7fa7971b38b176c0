import type { Statement } from '../../infra/functionPermissions';

/**
 * Whether a role's Allow statements allow one request, as IAM evaluates identity policies (IAM User Guide,
 * "IAM JSON policy elements: Condition operators"): the action listed, a Resource matching the ARN (`*`, `?`,
 * the stack's pseudo parameters filled in), and every operator of the Condition true; within an operator every
 * key, within a key any value. A key missing from the request is false, except for `...IfExists` (true) and
 * `ForAllValues:` (true: no value fails). An operator this evaluator does not know throws, so a statement it
 * cannot read never passes for allowed or refused. No Deny, no boundary: the roles here have neither.
 */
export interface IamRequest {
  readonly action: string;
  /** The resource's ARN, in partition `aws`, Region `us-east-1`, account `123456789012`. */
  readonly resource: string;
  /** The request context: `aws:RequestTag/k`, `aws:TagKeys`, `rds:db-tag/k` (the resource's tags) and so on. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '123456789012',
};

function resourceMatches(resource: unknown, arn: string): boolean {
  const text =
    typeof resource === 'string' ? resource : String((resource as { 'Fn::Sub': string })['Fn::Sub']);
  const filled = text.replace(/\$\{([A-Za-z:]+)\}/g, (_, name: string) => PSEUDO[name] ?? `\${${name}}`);
  const pattern = filled
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`).test(arn);
}

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [String(v)]);

/** One operator's test of one key: the request's values against the policy's. */
function holds(operator: string, present: string[] | undefined, wanted: string[]): boolean {
  const ifExists = operator.endsWith('IfExists');
  const base = operator.replace(/IfExists$/, '');
  if (base.startsWith('ForAllValues:')) {
    const inner = base.slice('ForAllValues:'.length);
    return (present ?? []).every((v) => holds(inner, [v], wanted));
  }
  if (present === undefined) return ifExists || base === 'StringNotEquals';
  const value = present[0] ?? '';
  switch (base) {
    case 'StringEquals':
      return wanted.includes(value);
    case 'StringNotEquals':
      return !wanted.includes(value);
    case 'Bool':
      return wanted.includes(value);
    case 'NumericGreaterThanEquals':
      return Number(value) >= Number(wanted[0]);
    case 'NumericLessThanEquals':
      return Number(value) <= Number(wanted[0]);
    default:
      throw new Error(`iamAllows: condition operator ${operator} not evaluated here`);
  }
}

function conditionHolds(condition: unknown, context: IamRequest['context']): boolean {
  return Object.entries((condition ?? {}) as Record<string, Record<string, unknown>>).every(
    ([operator, keys]) =>
      Object.entries(keys).every(([key, wanted]) => {
        const got = context[key];
        return holds(operator, got === undefined ? undefined : list(got), list(wanted));
      }),
  );
}

/** Whether any of the statements allows the request. */
export function iamAllows(statements: readonly Statement[], request: IamRequest): boolean {
  return statements.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.includes(request.action) &&
      [s.Resource].flat().some((r) => resourceMatches(r, request.resource)) &&
      conditionHolds(s.Condition, request.context),
  );
}
