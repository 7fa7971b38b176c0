import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { type PauseState, pauseStateOf } from '../decision/pauseState';
import { AwsCallError } from '../errors';
import type { PauseSwitch } from '../ports';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** How long a read of the switch is trusted: well inside the one minute a pause must take to stop everything. */
const CACHE_SECONDS = 30;
/** How long a failed read is given again before the next is tried. */
const FAILED_READ_SECONDS = 5;

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
 * targets), and reads asked for while one is under way share it (a run's targets ask at once). A failed read
 * throws, and is given again for 5 s: during an SSM outage each target about to act would otherwise spend its
 * lease on a read of its own, three attempts long. `fresh` reads past the cache (a run's last word on it).
 */
export class SsmPauseSwitch implements PauseSwitch {
  private readonly client: SSMClient;
  private cached?: { state: PauseState; until: number } | { error: unknown; until: number };
  private inFlight?: Promise<PauseState>;
  /** Reads started, and the newest whose answer the cache holds: an older read ending later never overwrites it. */
  private started = 0;
  private cachedFrom = 0;

  constructor(
    config: AwsConfig,
    private readonly parameterName: string,
    client?: SSMClient,
  ) {
    this.client = client ?? new SSMClient(clientOptions(config));
  }

  async read(now: Date, options: { readonly fresh?: boolean } = {}): Promise<PauseState> {
    const cached = this.cached;
    if (!options.fresh && cached && now.getTime() < cached.until) {
      if ('error' in cached) throw cached.error;
      return cached.state;
    }
    if (!options.fresh && this.inFlight) return this.inFlight;
    const reading = this.fetch(now);
    this.inFlight = reading;
    try {
      return await reading;
    } finally {
      if (this.inFlight === reading) this.inFlight = undefined;
    }
  }

  private async fetch(now: Date): Promise<PauseState> {
    const read = ++this.started;
    const keep = (cached: NonNullable<typeof this.cached>) => {
      if (read < this.cachedFrom) return;
      this.cached = cached;
      this.cachedFrom = read;
    };
    let value: string | undefined;
    try {
      const response = await this.client.send(new GetParameterCommand({ Name: this.parameterName }));
      value = response.Parameter?.Value ?? '';
    } catch (cause) {
      if (!(cause instanceof ParameterNotFound)) {
        const error = new AwsCallError(`SSM GetParameter ${this.parameterName}`, cause);
        keep({ error, until: now.getTime() + FAILED_READ_SECONDS * 1000 });
        throw error;
      }
      value = undefined;
    }
    const state = pauseStateOf(value, this.parameterName);
    keep({ state, until: now.getTime() + CACHE_SECONDS * 1000 });
    return state;
  }
}
