import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { awsFrom } from '../../../bin/lib/cliOptions';
import { cliRegion, RegionMissingError } from '../../../bin/lib/cliRegion';

// The `scalepilot` commands find their region as the SDK does, a profile's own included. They read AWS_REGION
// alone and fell back to us-east-1: `scalepilot pause` with only a profile's region paused a stage of us-east-1
// and left the real one scaling.
const dir = mkdtempSync(join(tmpdir(), 'scalepilot-region-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONFIG = join(dir, 'config');
writeFileSync(CONFIG, '[default]\noutput = json\n\n[profile ops]\nregion = eu-west-1\n');
/** No file: nothing of the machine's own ~/.aws is read. */
const NO_FILE = join(dir, 'none');

/** Nothing set anywhere the SDK looks (an EC2 instance's metadata neither). */
const NOTHING = {
  AWS_REGION: undefined,
  AWS_DEFAULT_REGION: undefined,
  AWS_PROFILE: undefined,
  AWS_ENDPOINT_URL: undefined,
  AWS_CONFIG_FILE: NO_FILE,
  AWS_SHARED_CREDENTIALS_FILE: NO_FILE,
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('the region a command calls AWS in', () => {
  beforeEach(() => {
    for (const [name, value] of Object.entries(NOTHING)) vi.stubEnv(name, value);
  });
  afterEach(() => vi.unstubAllEnvs());

  it.each([
    {
      name: "the profile's own region",
      env: { AWS_CONFIG_FILE: CONFIG, AWS_PROFILE: 'ops' },
      want: 'eu-west-1',
    },
    {
      name: 'AWS_REGION before the profile’s',
      env: { AWS_CONFIG_FILE: CONFIG, AWS_PROFILE: 'ops', AWS_REGION: 'ap-southeast-2' },
      want: 'ap-southeast-2',
    },
    {
      name: 'AWS_DEFAULT_REGION (as sls reads it) before the profile’s',
      env: { AWS_CONFIG_FILE: CONFIG, AWS_PROFILE: 'ops', AWS_DEFAULT_REGION: 'ca-central-1' },
      want: 'ca-central-1',
    },
  ])('$name', async ({ env, want }) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await expect(cliRegion()).resolves.toBe(want);
    await expect(awsFrom()).resolves.toEqual({ region: want });
  });

  it.each([
    { name: 'nothing set', env: {}, profile: 'default', file: NO_FILE },
    {
      name: 'a profile without a region',
      env: { AWS_CONFIG_FILE: CONFIG, AWS_PROFILE: 'ci' },
      profile: 'ci',
      file: CONFIG,
    },
  ])('$name: refused, naming how to set one (never us-east-1)', async ({ env, profile, file }) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const refused = awsFrom({}).then(
      () => undefined,
      (error: unknown) => error,
    );
    const error = await refused;
    expect(error).toBeInstanceOf(RegionMissingError);
    expect((error as Error).message).toContain('AWS_REGION');
    expect((error as Error).message).toContain(`profile "${profile}" in ${file}`);
  });

  it.each([
    // The SDK warned of "*" in a line of its own and went on in region "*".
    { name: 'a wildcard', env: { AWS_REGION: '*' }, says: 'AWS_REGION: "*" is not' },
    {
      name: 'a name with spaces, in AWS_DEFAULT_REGION',
      env: { AWS_DEFAULT_REGION: 'us east 1' },
      says: 'AWS_DEFAULT_REGION: "us east 1" is not',
    },
    { name: 'a display name', env: { AWS_REGION: 'US East (N. Virginia)' }, says: 'AWS_REGION: "US East' },
  ])('$name: refused in one line, naming the variable', async ({ env, says }) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    await expect(cliRegion()).rejects.toThrow(
      new RegExp(`^${says.replace(/[()*.]/g, '\\$&')}.* an AWS Region code \\(e\\.g\\. eu-west-1\\)$`),
    );
  });

  it('pointed at an endpoint (the local emulator) without AWS_REGION: the emulator’s, not the profile’s', async () => {
    vi.stubEnv('AWS_CONFIG_FILE', CONFIG);
    vi.stubEnv('AWS_PROFILE', 'ops');
    await expect(awsFrom({ endpoint: 'http://127.0.0.1:5000' })).resolves.toEqual({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:5000',
    });
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:5001');
    await expect(awsFrom()).resolves.toEqual({ region: 'us-east-1', endpoint: 'http://127.0.0.1:5001' });
  });

  it('the Price List API’s own region needs none of the operator’s', async () => {
    await expect(awsFrom({ region: 'us-east-1' })).resolves.toEqual({ region: 'us-east-1' });
  });
});

describe('scalepilot pause with no region', () => {
  it('says so in one line and exits 1, with no stack trace and no call made', () => {
    const CLI = new URL('../../../bin/scalepilot', import.meta.url).pathname;
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [name, value] of Object.entries(NOTHING)) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
    const run = spawnSync(process.execPath, [CLI, 'pause', '--stage', 'prod'], {
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    const stderr = run.stderr.trim();
    expect(run.status).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^No AWS region: .*Set AWS_REGION/);
    expect(run.stdout).toBe('');
  });
});
