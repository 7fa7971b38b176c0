import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { AwsConfig } from '../../shared/adapters/awsConfig';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { pauseParameterName } from '../../shared/adapters/SsmPauseSwitch';
import { PAUSED_KEEP_SCHEDULE_VALUE, PAUSED_VALUE, RUNNING_VALUE } from '../../shared/decision/pauseState';
import { AwsCallError, ScalingError } from '../../shared/errors';
import { deployedEnvironment } from './cliOptions';

/** What the switch is set to: paused, paused with the forecast's scheduled actions left to fire, or running. */
export type SwitchSetting = boolean | 'keep-schedule';

/** The stage has no kill switch (not deployed, or a mistyped name): nothing was set. */
export class NoKillSwitchError extends ScalingError {}

/**
 * `scalepilot pause` / `resume` (and `release`'s pause): sets the stage's kill switch. The deployed functions read
 * it at most 30 s late, so every mutating call stops within a minute; decisions go on being recorded (reason
 * `Paused`). The stack creates the switch at the first deploy: a missing one on a stage whose functions exist was
 * deleted by hand, and is set again; on a stage without them (not deployed, or mistyped) nothing is set (that would
 * leave the real stage running, and make a parameter the first deploy cannot create: CloudFormation refuses a name
 * that exists). Returns the parameter's name and the value.
 */
export async function setPaused(
  aws: AwsConfig,
  stage: string,
  paused: SwitchSetting,
): Promise<{ name: string; value: string }> {
  const name = pauseParameterName(stage);
  const value =
    paused === 'keep-schedule' ? PAUSED_KEEP_SCHEDULE_VALUE : paused ? PAUSED_VALUE : RUNNING_VALUE;
  const ssm = new SSMClient(clientOptions(aws));
  const exists = await ssm.send(new GetParameterCommand({ Name: name })).then(
    () => true,
    (cause: unknown) => {
      if (cause instanceof ParameterNotFound) return false;
      throw new AwsCallError(`SSM GetParameter ${name}`, cause);
    },
  );
  // A deployed stage whose switch someone deleted (its functions hold, PauseUnknown) has it set again here.
  if (!exists && !(await stageDeployed(aws, stage)))
    throw new NoKillSwitchError(
      `stage "${stage}" has no kill switch (${name} does not exist): is it deployed?`,
    );
  await ssm
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

/** Whether the stage's functions exist (its ASG scaler's, which every stack has): the stage is deployed. */
async function stageDeployed(aws: AwsConfig, stage: string): Promise<boolean> {
  return deployedEnvironment(aws, stage, 'scaleAsg').then(
    () => true,
    (error: unknown) => {
      if (error instanceof AwsCallError && (error.cause as Error)?.name === 'ResourceNotFoundException')
        return false;
      throw error;
    },
  );
}
