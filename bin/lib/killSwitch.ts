import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { pauseParameterName } from '../../shared/adapters/SsmPauseSwitch';
import { PAUSED_KEEP_SCHEDULE_VALUE, PAUSED_VALUE, RUNNING_VALUE } from '../../shared/decision/pauseState';
import { AwsCallError } from '../../shared/errors';

/** What the switch is set to: paused, paused with the forecast's scheduled actions left to fire, or running. */
export type SwitchSetting = boolean | 'keep-schedule';

/**
 * `scalepilot pause` / `resume`: sets the stage's kill switch. The deployed functions read it at most 30 s
 * late, so every mutating call stops within a minute; decisions go on being recorded (reason `Paused`).
 * Returns the parameter's name and the value written.
 */
export async function setPaused(
  aws: AwsConfig,
  stage: string,
  paused: SwitchSetting,
): Promise<{ name: string; value: string }> {
  const name = pauseParameterName(stage);
  const value =
    paused === 'keep-schedule' ? PAUSED_KEEP_SCHEDULE_VALUE : paused ? PAUSED_VALUE : RUNNING_VALUE;
  await new SSMClient(clientOptions(aws))
    .send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'String',
        Overwrite: true,
        Description: `Scalepilot kill switch: ${PAUSED_VALUE} stops every scaling action of this stage (and predict deletes the forecast's scheduled MinSize actions), ${PAUSED_KEEP_SCHEDULE_VALUE} stops them and keeps those, ${RUNNING_VALUE} runs`,
      }),
    )
    .catch((cause: unknown) => {
      throw new AwsCallError(`SSM PutParameter ${name}`, cause);
    });
  return { name, value };
}
