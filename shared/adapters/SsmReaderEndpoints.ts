import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AwsCallError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';
import type { IamActions } from './iamActions';

/** The IAM actions SsmReaderEndpoints calls (infra/functionAdapters.ts builds the roles of the functions that use it). */
export const ssmReaderEndpointsIam: IamActions = {
  read: ['ssm:GetParameter'],
  write: ['ssm:PutParameter'],
};

/**
 * Reader discovery through SSM Parameter Store: one String parameter listing the available reader
 * endpoint addresses, comma-separated (applications read it at start and on a timer).
 */
export class SsmReaderEndpoints {
  private readonly client: SSMClient;

  constructor(config: AwsConfig, client?: SSMClient) {
    this.client = client ?? new SSMClient(clientOptions(config));
  }

  /** The addresses listed now; empty when the parameter does not exist yet. */
  async published(name: string): Promise<string[]> {
    const response = await this.client
      .send(new GetParameterCommand({ Name: name }))
      .catch((cause: unknown) => {
        if (cause instanceof ParameterNotFound) return undefined;
        throw new AwsCallError('SSM GetParameter', cause);
      });
    const value = response?.Parameter?.Value ?? '';
    return value
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e.length > 0 && e !== 'none')
      .sort();
  }

  async publish(name: string, endpoints: readonly string[]): Promise<void> {
    await this.client
      .send(
        new PutParameterCommand({
          Name: name,
          // SSM refuses an empty value; "none" says there is nothing to read from.
          Value: endpoints.length > 0 ? [...endpoints].sort().join(',') : 'none',
          Type: 'String',
          Overwrite: true,
          Description: 'Scalepilot: available RDS reader endpoints',
        }),
      )
      .catch((cause: unknown) => {
        throw new AwsCallError('SSM PutParameter', cause);
      });
  }
}
