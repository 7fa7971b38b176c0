import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, NODE_REGION_CONFIG_FILE_OPTIONS, NODE_REGION_CONFIG_OPTIONS } from '@smithy/core/config';
import { EMULATOR_REGION } from '../../shared/adapters/awsConfig';
import { ScalingError } from '../../shared/errors';
import { REGION_CODE } from '../../shared/policy/awsLocations';

/**
 * No AWS region anywhere the SDK looks: the message names each way to set one. A command never guesses one (it
 * acted on us-east-1: `scalepilot pause` there left the real stage scaling).
 */
export class RegionMissingError extends ScalingError {}

/** AWS_REGION or AWS_DEFAULT_REGION holds no Region code: named in one line before any call. */
export class RegionInvalidError extends ScalingError {}

/**
 * The region a `scalepilot` command calls AWS in, found as the AWS SDK and CLI find it: `AWS_REGION`, else
 * `AWS_DEFAULT_REGION` (which `sls` reads too), else the SDK's own provider (the `region` of the profile
 * `AWS_PROFILE` names in the shared config and credentials files, else an EC2 instance's own). With none, it
 * refuses (RegionMissingError). A command pointed at an endpoint (`endpoint`: the local emulator's) without
 * AWS_REGION takes the emulator's region, where `npm start` deploys the local stack, not a profile's.
 */
export async function cliRegion(endpoint?: string): Promise<string> {
  const variable = process.env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const fromEnv = process.env[variable];
  // The SDK took "*" with a warning of its own (and called region "*"), and a typo as a host name to look up.
  if (fromEnv && !REGION_CODE.test(fromEnv))
    throw new RegionInvalidError(`${variable}: "${fromEnv}" is not an AWS Region code (e.g. eu-west-1)`);
  if (fromEnv) return fromEnv;
  // `npm start` deployed the emulator's stack in its region, whatever a profile of the machine's names for a
  // real account (its commands print `--endpoint URL` to run against it).
  if (endpoint) return EMULATOR_REGION;
  // The SDK's own provider (the one its clients build), not a parse of ~/.aws/config of ours: the profile, the
  // config and credentials files are read as the SDK reads them.
  const fromSdk = await loadConfig(NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS)().catch(
    () => undefined,
  );
  if (fromSdk) return fromSdk;
  throw new RegionMissingError(regionMissing());
}

/** What RegionMissingError says: where a region was looked for, and how to set one. */
function regionMissing(): string {
  const profile = process.env.AWS_PROFILE || 'default';
  const file = process.env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config');
  return (
    `No AWS region: AWS_REGION and AWS_DEFAULT_REGION are not set, and profile "${profile}" in ${file} has no region. ` +
    "Set AWS_REGION to the stack's region (export AWS_REGION=eu-west-1), or give the profile one " +
    `(aws configure set region eu-west-1${profile === 'default' ? '' : ` --profile ${profile}`}).`
  );
}
