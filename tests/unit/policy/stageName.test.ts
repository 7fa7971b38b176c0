import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stageOption } from '../../../bin/lib/cliOptions';
import { fanOutQueueName } from '../../../infra/fanOutResources';
import { PolicyValidationError } from '../../../shared/errors';
import { parsePolicy } from '../../../shared/policy/parsePolicy';
import type { TargetKind } from '../../../shared/policy/schema';
import {
  FUNCTION_NAMES,
  MAX_FUNCTION_NAME_LENGTH,
  MAX_STAGE_LENGTH,
  SERVICE_NAME,
} from '../../../shared/policy/stageName';
import { EXAMPLE_POLICY } from '../../harness/fixtures';

// The stage goes into every name the stack makes; the longest must fit AWS's limits, or `sls deploy` fails part
// way and `pause --stage` sets a kill switch no deploy can read. The CLI and packaging refuse the same stages.
const SERVERLESS = new URL('../../../serverless.yml', import.meta.url);
// CloudFormation's short forms (!Sub, !Ref) are read as plain values: only the names matter here.
const stack = parse(readFileSync(SERVERLESS, 'utf8'), { logLevel: 'silent' }) as {
  service: string;
  functions: Record<string, unknown>;
};
const EXAMPLE = readFileSync(EXAMPLE_POLICY, 'utf8');

/** The stage's problems at packaging (`sls package` validates the policy for its stage), as messages. */
function packagingProblems(stage: string): string[] {
  try {
    parsePolicy(EXAMPLE, 'p.yml', { stage });
    return [];
  } catch (error) {
    if (!(error instanceof PolicyValidationError)) throw error;
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

/** What `--stage` makes of a value: the stage, or commander's refusal. */
function cliStage(stage: string): string {
  try {
    return String(stageOption().parseArg?.(stage, undefined));
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the longest stage', () => {
  it('is computed from serverless.yml: its service and its functions', () => {
    expect(stack.service).toBe(SERVICE_NAME);
    expect([...FUNCTION_NAMES].sort()).toEqual(Object.keys(stack.functions).sort());
    expect(MAX_STAGE_LENGTH).toBe(36);
  });

  it('names every function and fan-out queue within AWS’s limits (Lambda 64, SQS 80)', () => {
    const stage = 'a'.repeat(MAX_STAGE_LENGTH);
    for (const fn of FUNCTION_NAMES)
      expect(`${SERVICE_NAME}-${stage}-${fn}`.length).toBeLessThanOrEqual(MAX_FUNCTION_NAME_LENGTH);
    for (const kind of ['asg', 'rds-replicas', 'cache-shards'] as TargetKind[])
      expect(fanOutQueueName(SERVICE_NAME, stage, kind).length).toBeLessThanOrEqual(80);
  });

  it.each([
    { name: '36 characters: the longest Lambda takes', stage: 'a'.repeat(36), refused: false },
    {
      name: '37 characters: scalepilot-<stage>-scaleRdsReplicas is 65',
      stage: 'a'.repeat(37),
      refused: true,
    },
    { name: '100 characters', stage: 'p'.repeat(100), refused: true },
  ])('$name: the CLI and packaging agree', ({ stage, refused }) => {
    const why = `is ${stage.length} characters; a stage is at most 36 (it names the Lambda function scalepilot-<stage>-scaleRdsReplicas, and Lambda takes at most 64 characters)`;
    expect(cliStage(stage)).toBe(refused ? `The stage ${why}` : stage);
    expect(packagingProblems(stage).filter((p) => p.startsWith('(stage)'))).toEqual(
      refused ? [`(stage): stage "${stage}" ${why}`] : [],
    );
  });
});
