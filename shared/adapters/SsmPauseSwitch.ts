import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AwsCallError } from '../errors';
import type { PauseSwitch } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** How long a read of the switch is trusted: well inside the one minute a pause must take to stop everything. */
const CACHE_SECONDS = 30;

/** The stage's kill switch: the SSM String parameter `/scalepilot/<stage>/paused`, `true` to pause. */
export function pauseParameterName(stage: string): string {
  return `/scalepilot/${stage}/paused`;
}

/** The IAM actions SsmPauseSwitch calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const ssmPauseSwitchIam: IamActions = {
  read: ['ssm:GetParameter'],
  write: [],
};

/**
 * The kill switch in SSM Parameter Store. A missing parameter means running. Reads are cached for 30 s
 * (one GetParameter per warm function every 30 s, whatever the number of targets).
 */
export class SsmPauseSwitch implements PauseSwitch {
  private readonly client: SSMClient;
  private cached?: { paused: boolean; until: number };

  constructor(
    config: AwsConfig,
    private readonly parameterName: string,
    client?: SSMClient,
  ) {
    this.client = client ?? new SSMClient(clientOptions(config));
  }

  async isPaused(now: Date): Promise<boolean> {
    if (this.cached && now.getTime() < this.cached.until) return this.cached.paused;
    let paused: boolean;
    try {
      const response = await this.client.send(new GetParameterCommand({ Name: this.parameterName }));
      paused = response.Parameter?.Value?.trim().toLowerCase() === 'true';
    } catch (cause) {
      if (!(cause instanceof ParameterNotFound))
        throw new AwsCallError(`SSM GetParameter ${this.parameterName}`, cause);
      paused = false;
    }
    this.cached = { paused, until: now.getTime() + CACHE_SECONDS * 1000 };
    return paused;
  }
}
