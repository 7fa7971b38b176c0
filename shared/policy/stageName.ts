import { functionByKind } from './targetResource';

/** A stage name as `sls deploy --stage` takes it (osls's own stage pattern): letters, digits and hyphens. */
export const STAGE_NAME = /^[A-Za-z0-9-]+$/;

/** serverless.yml's service: osls names each function `<service>-<stage>-<function>`. */
export const SERVICE_NAME = 'scalepilot';

/** The functions serverless.yml deploys (tests/unit/policy/stageName.test.ts holds the two to each other). */
export const FUNCTION_NAMES: readonly string[] = [...Object.values(functionByKind), 'alertCost', 'predict'];

/** Lambda's limit on a function name ("If you specify only the function name, it is limited to 64 characters"). */
export const MAX_FUNCTION_NAME_LENGTH = 64;

/** The longest function name, which binds the stage's length. */
const LONGEST_FUNCTION = FUNCTION_NAMES.reduce((a, b) => (b.length > a.length ? b : a));

/**
 * The longest stage AWS takes: its longest Lambda function name, `scalepilot-<stage>-scaleRdsReplicas`, must fit
 * in 64 characters (36). Every other name the stage goes into has room to spare: the fan-out queues
 * (`…-fanout`, SQS takes 80), the alarms (255), the dashboards (255), the kill switch's SSM parameter (2048); the
 * ledger table's name is CloudFormation's own.
 */
export const MAX_STAGE_LENGTH =
  MAX_FUNCTION_NAME_LENGTH - `${SERVICE_NAME}--`.length - LONGEST_FUNCTION.length;

/**
 * Why a stage is too long for AWS, or undefined when it is not: `sls deploy` would fail at CloudFormation, part
 * way, and a CLI command would look for functions and a kill switch no deploy can make.
 */
export function stageLengthProblem(stage: string): string | undefined {
  return stage.length <= MAX_STAGE_LENGTH
    ? undefined
    : `is ${stage.length} characters; a stage is at most ${MAX_STAGE_LENGTH} (it names the Lambda function ${SERVICE_NAME}-<stage>-${LONGEST_FUNCTION}, and Lambda takes at most ${MAX_FUNCTION_NAME_LENGTH} characters)`;
}
