import { GetHostedZoneCommand, NoSuchHostedZone, Route53Client } from '@aws-sdk/client-route-53';
import type { ReaderZoneFacts } from '../decision/rdsReplicasPrerequisites';
import { AwsCallError } from '../errors';
import { type AwsConfig, clientOptions } from './awsConfig';

/**
 * The hosted zone a target's reader discovery names, for `validate --check-account` and `plan` (operator
 * credentials; the scaler's role has no GetHostedZone).
 */
export async function readerZone(
  config: AwsConfig,
  hostedZoneId: string,
): Promise<ReaderZoneFacts | undefined> {
  const response = await new Route53Client(clientOptions(config))
    .send(new GetHostedZoneCommand({ Id: hostedZoneId }))
    .catch((cause: unknown) => {
      if (cause instanceof NoSuchHostedZone) return undefined;
      throw new AwsCallError('Route 53 GetHostedZone', cause);
    });
  const zone = response?.HostedZone;
  return zone ? { name: zone.Name ?? '', privateZone: zone.Config?.PrivateZone === true } : undefined;
}
