import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsConfig, clientOptions } from '../../shared/adapters/awsConfig';

/**
 * A stage's function as `sls deploy` leaves it, for the CLI to read its environment (the ledger's name): moto
 * stores it and never runs it (no Docker). `fn` is the function's short name (`scaleAsg`, `alertCost` …).
 */
export async function deployedFunction(
  aws: AwsConfig,
  stage: string,
  fn: string,
  variables: Record<string, string>,
): Promise<void> {
  const name = `scalepilot-${stage}-${fn}`;
  const role = await new IAMClient(clientOptions(aws)).send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: '{}' }),
  );
  await new LambdaClient(clientOptions(aws)).send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Role: role.Role?.Arn,
      Handler: 'index.handler',
      // An empty zip (its end-of-directory record alone): the function is never invoked.
      Code: { ZipFile: Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]) },
      Environment: { Variables: variables },
    }),
  );
}
