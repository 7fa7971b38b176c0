import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The deploy policy and the permissions boundary (docs/), read as IAM reads them, against a packaged template:
// what the deployer may do to roles, and whether the boundary lets each function role do all it is granted.

const ROOT = new URL('../..', import.meta.url).pathname;

export type PolicyStatement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, any> };

export const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const readPolicy = (file: string): PolicyStatement[] =>
  JSON.parse(readFileSync(join(ROOT, file), 'utf8')).Statement;
export const deployPolicy = () => readPolicy('docs/iam-deploy-policy.json');
export const boundaryPolicy = () => readPolicy('docs/iam-permissions-boundary.json');
export const allows = (statements: PolicyStatement[]) => statements.filter((s) => s.Effect === 'Allow');

/** An IAM wildcard pattern (`*`, `?`) as a regular expression; `caseless` for action names. */
export const glob = (pattern: string, caseless = false) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    caseless ? 'i' : '',
  );

/** The account, Region and stack the tests package into: `sls package --stage prod`, placeholders filled in. */
export const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const STACK = 'scalepilot-prod';
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'aws:PrincipalAccount': ACCOUNT,
};
/** A `${…}` text with the pseudo parameters (and the policy variable aws:PrincipalAccount) filled in. */
export const filled = (text: string) =>
  text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => PSEUDO[name] ?? whole);

/**
 * A resource of a role's statement as the ARN it names once deployed: a literal or `Fn::Sub`, or a reference to
 * a resource of the template (CloudFormation names an unnamed one `<stack>-<logical ID>-<random>`). A reference
 * to a type not known here is an error: the check must learn it rather than pass it.
 */
export function deployedArn(r: unknown, resources: Record<string, Resource>): string {
  if (typeof r === 'string') return filled(r);
  const value = r as { 'Fn::Sub'?: string; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (typeof value['Fn::Sub'] === 'string') return filled(value['Fn::Sub']);
  const id = value.Ref ?? value['Fn::GetAtt']?.[0];
  const resource = id ? resources[id] : undefined;
  if (!id || !resource) throw new Error(`unresolvable resource ${JSON.stringify(r)}`);
  const generated = `${STACK}-${id}-ABCDEF123456`;
  const arn = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  switch (resource.Type) {
    case 'AWS::DynamoDB::Table':
      return arn('dynamodb', `table/${resource.Properties.TableName ?? generated}`);
    case 'AWS::SQS::Queue':
      return arn('sqs', resource.Properties.QueueName ?? generated);
    case 'AWS::SNS::Topic':
      return arn('sns', resource.Properties.TopicName ?? generated);
    case 'AWS::KMS::Key':
      return arn('kms', 'key/1234abcd-12ab-34cd-56ef-1234567890ab');
    default:
      throw new Error(`no deployed ARN known for ${id} (${resource.Type})`);
  }
}

/** Every Allow statement of each role of the template: its inline policies and the managed policies it attaches. */
export function roleStatements(resources: Record<string, Resource>) {
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::IAM::Role')
    .flatMap(([role, r]) => {
      const attached = list(r.Properties.ManagedPolicyArns as { Ref: string }[]).map(
        (ref) => resources[ref.Ref]?.Properties as { PolicyDocument: { Statement: PolicyStatement[] } },
      );
      const inline = list(r.Properties.Policies as { PolicyDocument: { Statement: PolicyStatement[] } }[]);
      return [...inline, ...attached].flatMap((p) =>
        allows(p.PolicyDocument.Statement).map((st) => ({ role, st })),
      );
    });
}

/** Whether `outer` (a boundary statement's condition) holds wherever `inner` (a role statement's) does. */
const implied = (outer: PolicyStatement['Condition'], inner: PolicyStatement['Condition']) =>
  Object.entries(outer ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(
      ([key, value]) => JSON.stringify(inner?.[operator]?.[key]) === JSON.stringify(value),
    ),
  );

/**
 * What the boundary cuts from the roles of a template: each (role, action, resource) a role is granted that no
 * Allow statement of the boundary covers (its action and resource patterns match, and its condition, if any,
 * is one the role's statement carries too). Empty: every role keeps all it is granted.
 */
export function cutByBoundary(resources: Record<string, Resource>, boundary = boundaryPolicy()): string[] {
  const cut: string[] = [];
  for (const { role, st } of roleStatements(resources))
    for (const action of list(st.Action))
      for (const r of list(st.Resource)) {
        const arn = deployedArn(r, resources);
        const covered = allows(boundary).some(
          (b) =>
            list(b.Action).some((a) => glob(a, true).test(action)) &&
            list(b.Resource as string | string[]).some((p) => glob(p).test(arn)) &&
            implied(b.Condition, st.Condition),
        );
        if (!covered) cut.push(`${role}: ${action} on ${arn}`);
      }
  return cut;
}

/** The condition operators `permits` evaluates; any other is an error: the check must learn it rather than pass it. */
const OPERATORS: Record<string, (value: string, pattern: string) => boolean> = {
  StringEquals: (value, pattern) => value === pattern,
  StringLike: (value, pattern) => glob(pattern).test(value),
};

/** Whether a statement's condition holds for a request whose condition keys are `context` (a key absent: no). */
function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  return Object.entries(condition ?? {}).every(([operator, keys]) => {
    const test = OPERATORS[operator];
    if (!test) throw new Error(`condition operator ${operator} is not evaluated here`);
    return Object.entries(keys).every(([key, patterns]) => {
      const value = context[key];
      return value !== undefined && list(patterns as string | string[]).some((p) => test(value, p));
    });
  });
}

/**
 * Whether `statements` let a request of `action` on `resource` with the condition keys `context` through, as IAM
 * reads one policy: an Allow statement matches it (action, resource and condition) and no Deny does.
 */
export function permits(
  statements: readonly PolicyStatement[],
  action: string,
  context: Record<string, string>,
  resource = '*',
): boolean {
  const matches = (s: PolicyStatement) =>
    list(s.Action).some((a) => glob(a, true).test(action)) &&
    list(s.Resource as string | string[]).some((r) => typeof r === 'string' && glob(r).test(resource)) &&
    conditionHolds(s.Condition, context);
  return (
    statements.some((s) => s.Effect === 'Allow' && matches(s)) &&
    !statements.some((s) => s.Effect === 'Deny' && matches(s))
  );
}
