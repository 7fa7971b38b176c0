import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { type PauseState, pauseStateOf } from '../decision/pauseState';
import { AwsCallError } from '../errors';
import type { PauseSwitch } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** How long a read of the switch is trusted: well inside the one minute a pause must take to stop everything. */
const CACHE_SECONDS = 30;

/** The stage's kill switch: the SSM String parameter `/scalepilot/<stage>/paused`, created `false` by the stack. */
export function pauseParameterName(stage: string): string {
  return `/scalepilot/${stage}/paused`;
}

/** The IAM actions SsmPauseSwitch calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const ssmPauseSwitchIam: IamActions = {
  read: ['ssm:GetParameter'],
  write: [],
};

/**
 * The kill switch in SSM Parameter Store, read as shared/decision/pauseState.ts says (a missing parameter is
 * `unknown`). A read is cached for 30 s (one GetParameter per warm function every 30 s, whatever the number of
 * targets); a failed read is not cached, and throws.
 */
export class SsmPauseSwitch implements PauseSwitch {
  private readonly client: SSMClient;
  private cached?: { state: PauseState; until: number };

  constructor(
    config: AwsConfig,
    private readonly parameterName: string,
    client?: SSMClient,
  ) {
    this.client = client ?? new SSMClient(clientOptions(config));
  }

  async read(now: Date): Promise<PauseState> {
    if (this.cached && now.getTime() < this.cached.until) return this.cached.state;
    let value: string | undefined;
    try {
      const response = await this.client.send(new GetParameterCommand({ Name: this.parameterName }));
      value = response.Parameter?.Value ?? '';
    } catch (cause) {
      if (!(cause instanceof ParameterNotFound))
        throw new AwsCallError(`SSM GetParameter ${this.parameterName}`, cause);
      value = undefined;
    }
    const state = pauseStateOf(value, this.parameterName);
    this.cached = { state, until: now.getTime() + CACHE_SECONDS * 1000 };
    return state;
  }
}
