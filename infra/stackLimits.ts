import type { PolicyProblem } from '../shared/errors';
import type { Resources } from './cfnResources';

/** IAM: managed policies attached to one role (the default quota; AWS raises it to 20 on request). */
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;
/** CloudFormation: the resources one template may declare ("CloudFormation quotas"). */
export const MAX_STACK_RESOURCES = 500;
/** CloudFormation: a template body read from S3, as `sls deploy` uploads it (1 MB). */
export const MAX_TEMPLATE_BYTES = 1_000_000;
/** IAM: the characters of all a role's inline policies together, white space not counted. */
export const MAX_ROLE_INLINE_POLICY = 10_240;
/** IAM: the characters of one customer managed policy, white space not counted. */
export const MAX_MANAGED_POLICY = 6_144;
/**
 * What the framework and serverless.yml add to the policy's resources (the functions, their versions, log
 * groups and schedules, the ledger, the topic, the dead-letter queue): 36 resources and about 16 kB measured on
 * the packaged example; tests/template/packagedStackLimits.test.ts holds the packaged stack within these.
 */
export const FRAMEWORK_RESOURCES = 50;
export const FRAMEWORK_BYTES = 32_768;

/**
 * Why the stack these resources make could not be deployed, one problem per limit it passes; empty when it fits.
 * Checked when the policy is packaged, so a policy too large for one stack fails `sls package` and `sls deploy`
 * before anything reaches AWS (CloudFormation refused it part way through, or IAM refused a role and the stack
 * rolled back). Counted as AWS counts once the template's placeholders are filled in, at their longest.
 */
export function stackLimitProblems(resources: Resources): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  // What a fleet can do (docs/deploying.md): fewer resources a group, or more stages.
  const split =
    'for Auto Scaling groups set fleet.thresholdAlarms: false, fleet.targetDashboards: false and fleet.grantGroupsBy: tag, or split the targets over more stages, each its own stack (sls deploy --stage NAME --param policy=FILE)';
  const count = Object.keys(resources).length + FRAMEWORK_RESOURCES;
  if (count > MAX_STACK_RESOURCES) {
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
    problems.push({
      path: 'stack',
      message: `about ${count} resources (${alarms} of them the policy's alarms, one per threshold); CloudFormation allows ${MAX_STACK_RESOURCES} in a stack: ${split}`,
    });
  }
  const bytes = JSON.stringify(resources).length + FRAMEWORK_BYTES;
  if (bytes > MAX_TEMPLATE_BYTES)
    problems.push({
      path: 'stack',
      message: `a template of about ${bytes} bytes; CloudFormation reads at most ${MAX_TEMPLATE_BYTES}: ${split}`,
    });
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const size = inlinePolicySize(resource.Properties);
    if (size > MAX_ROLE_INLINE_POLICY)
      problems.push({
        path: id,
        message: `its policy is about ${size} characters (a statement lists every target's resource); IAM allows ${MAX_ROLE_INLINE_POLICY} for a role's inline policies: ${split}`,
      });
    const attached = ((resource.Properties.ManagedPolicyArns ?? []) as unknown[]).length;
    if (attached > MAX_MANAGED_POLICIES_PER_ROLE)
      problems.push({
        path: id,
        message: `its grants need ${attached} managed policies beside its inline one (a statement lists every target's resource); IAM attaches ${MAX_MANAGED_POLICIES_PER_ROLE} to a role by default, and the stack keeps to that (a raised quota cannot be read when packaging): ${split}`,
      });
  }
  return problems;
}

/** The characters of a role's inline policy documents as IAM counts them, placeholders filled in at their longest. */
export function inlinePolicySize(role: Record<string, unknown>): number {
  const policies = (role.Policies ?? []) as { PolicyDocument: unknown }[];
  return policies.reduce((sum, p) => sum + policyTextSize(p.PolicyDocument), 0);
}

/** The characters of a policy document (or a part of one) as IAM counts them, placeholders filled in at their longest. */
export function policyTextSize(document: unknown): number {
  return JSON.stringify(filledIn(document)).length;
}

/** The longest each pseudo parameter can be: a partition (aws-us-gov), a Region (ap-southeast-5), an account. */
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'ap-southeast-5',
  'AWS::AccountId': '123456789012',
};
/** What a reference to another resource (its ARN or name) is counted as. */
const REFERENCE = 'x'.repeat(128);

/** The document with CloudFormation's intrinsic functions replaced by the longest text they can give. */
function filledIn(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(filledIn);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  if (typeof object['Fn::Sub'] === 'string')
    return object['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => PSEUDO[name] ?? REFERENCE);
  if ('Ref' in object || 'Fn::GetAtt' in object || 'Fn::Sub' in object || 'Fn::Join' in object)
    return REFERENCE;
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, filledIn(v)]));
}
