import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { slsPackage } from '../harness/slsPackage';

// The real osls CLI, offline. The stack's region was `--region`, else us-east-1: an operator whose environment
// names another region deployed to us-east-1, while `scalepilot plan`, `pause` and `release` (the SDK's region)
// looked in theirs. Now `--region`, else AWS_REGION (or AWS_DEFAULT_REGION), else us-east-1.
function packagedRegion(env: Record<string, string | undefined>, ...args: string[]): Promise<string> {
  const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
  Object.assign(process.env, env);
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  const dir = mkdtempSync(join(tmpdir(), 'scalepilot-region-'));
  return slsPackage(dir, ...args)
    .then(() => JSON.parse(readFileSync(join(dir, 'serverless-state.json'), 'utf8')).service.provider.region)
    .finally(() => {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    });
}

describe('the stack deploys to the region the environment names', () => {
  it.each([
    {
      name: 'AWS_REGION',
      env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: undefined },
      args: [],
      want: 'eu-west-1',
    },
    {
      name: 'AWS_DEFAULT_REGION alone',
      env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: 'ap-southeast-2' },
      args: [],
      want: 'ap-southeast-2',
    },
    {
      name: '--region over the environment',
      env: { AWS_REGION: 'eu-west-1' },
      args: ['--region', 'us-west-2'],
      want: 'us-west-2',
    },
    {
      name: 'neither: us-east-1',
      env: { AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined },
      args: [],
      want: 'us-east-1',
    },
  ])(
    '$name',
    async ({ env, args, want }) => {
      expect(await packagedRegion(env, ...args)).toBe(want);
    },
    180_000,
  );
});
