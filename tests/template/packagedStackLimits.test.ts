import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FRAMEWORK_BYTES, FRAMEWORK_RESOURCES } from '../../infra/stackLimits';
import { stackResources } from '../../infra/stackResources';
import { EXAMPLE_POLICY, examplePolicy } from '../harness/fixtures';
import { slsPackage } from '../harness/slsPackage';
import { loadPackagedStack, resources, templateFile } from './packagedStackFixtures';

// The packaged stack within CloudFormation's limits (infra/stackLimits.ts): what the framework adds is counted
// for, and a policy too large for one stack is refused before anything reaches AWS.

beforeAll(loadPackagedStack);

describe('the packaged stack', () => {
  it('holds what the framework adds within what the stack limits count for it (infra/stackLimits.ts)', () => {
    const ours = stackResources(examplePolicy(), 'prod').Resources;
    const framework = Object.fromEntries(Object.entries(resources).filter(([id]) => !(id in ours)));
    const template = JSON.parse(readFileSync(templateFile, 'utf8'));
    expect(Object.keys(framework).length).toBeLessThanOrEqual(FRAMEWORK_RESOURCES);
    expect(JSON.stringify({ ...template, Resources: framework }).length).toBeLessThanOrEqual(FRAMEWORK_BYTES);
  });

  it('fails to package a policy too large for one stack, naming the limit, before anything reaches AWS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scalepilot-large-'));
    const policy = parse(readFileSync(EXAMPLE_POLICY, 'utf8'));
    const api = policy.targets.find((t: { name: string }) => t.name === 'api');
    policy.plans = [];
    policy.targets = Array.from({ length: 130 }, (_, i) => ({
      ...api,
      name: `api-${i}`,
      autoScalingGroupName: `${api.autoScalingGroupName}-${i}`,
    }));
    const large = join(dir, 'large.yml');
    writeFileSync(large, stringify(policy, { aliasDuplicateObjects: false }));
    const result = await slsPackage(join(dir, 'out'), '--param', `policy=${large}`).catch((e) => e);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /stage prod: stack: about \d+ resources \(\d+ of them the policy's alarms, one per threshold\); CloudFormation allows 500 in a stack: for Auto Scaling groups set fleet.thresholdAlarms: false/,
    );
  });
});
