import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { pauseParameterName } from '../../shared/adapters/SsmPauseSwitch';
import { AwsCallError } from '../../shared/errors';

/**
 * `scalepilot pause` / `resume`: sets the stage's kill switch. The deployed functions read it at most 30 s
 * late, so every mutating call stops within a minute; decisions go on being recorded (reason `Paused`).
 */
export async function setPaused(aws: AwsConfig, stage: string, paused: boolean): Promise<string> {
  const name = pauseParameterName(stage);
  await new SSMClient(clientOptions(aws))
    .send(
      new PutParameterCommand({
        Name: name,
        Value: String(paused),
        Type: 'String',
        Overwrite: true,
        Description: 'Scalepilot kill switch: true stops every scaling action of this stage',
      }),
    )
    .catch((cause: unknown) => {
      throw new AwsCallError(`SSM PutParameter ${name}`, cause);
    });
  return name;
}
