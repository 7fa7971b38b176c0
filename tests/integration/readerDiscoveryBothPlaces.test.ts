import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { describe, expect, it } from 'vitest';
import { clientOptions } from '../../shared/adapters/awsConfig';
import { RdsReaderDiscovery } from '../../shared/adapters/RdsReaderDiscovery';
import { Route53ReaderRecords } from '../../shared/adapters/Route53ReaderRecords';
import { SsmReaderEndpoints } from '../../shared/adapters/SsmReaderEndpoints';
import { RequestRefusedError } from '../../shared/errors';
import { useEmulator } from '../harness/useEmulator';
import { rdsTarget } from '../unit/decision/rdsReplicasFixtures';

// Reader discovery naming both a Route 53 record and an SSM parameter, on moto: what is published is what
// both hold. Reading the parameter alone took the records for in sync whatever they held, so records deleted
// by hand, or a route53 added to a policy whose parameter was already right, were never written again.

const emulator = useEmulator();

async function privateZone(): Promise<string> {
  const vpc = await new EC2Client(clientOptions(emulator.aws)).send(
    new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }),
  );
  const zone = await new Route53Client(clientOptions(emulator.aws)).send(
    new CreateHostedZoneCommand({
      Name: 'db.internal',
      CallerReference: `scalepilot-test-${Date.now()}`,
      VPC: { VPCId: vpc.Vpc?.VpcId, VPCRegion: 'us-east-1' },
      HostedZoneConfig: { PrivateZone: true, Comment: 'test' },
    }),
  );
  return (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
}

describe('reader discovery in both a Route 53 record set and an SSM parameter', () => {
  it.each([
    {
      name: 'records missing (route53 added to a policy whose parameter is in sync): not in sync',
      records: [],
      parameter: ['a.rds.example'],
      want: undefined,
    },
    {
      name: 'a record deleted by hand: not in sync',
      records: ['a.rds.example'],
      parameter: ['a.rds.example', 'b.rds.example'],
      want: undefined,
    },
    {
      name: 'the parameter behind the records: not in sync',
      records: ['a.rds.example', 'b.rds.example'],
      parameter: ['a.rds.example'],
      want: undefined,
    },
    {
      name: 'both hold the same readers: that list',
      records: ['a.rds.example', 'b.rds.example'],
      parameter: ['a.rds.example', 'b.rds.example'],
      want: ['a.rds.example', 'b.rds.example'],
    },
  ])('$name', async ({ records, parameter, want }) => {
    const hostedZoneId = await privateZone();
    const route53 = { hostedZoneId, recordName: 'reader.db.internal', ttlSeconds: 30 };
    await new Route53ReaderRecords(emulator.aws).publish(route53, records);
    await new SsmReaderEndpoints(emulator.aws).publish('/events/readers', parameter);
    const target = rdsTarget({ readerDiscovery: { route53, ssmParameterName: '/events/readers' } });
    const discovery = RdsReaderDiscovery.forAccount(emulator.aws);

    expect(await discovery.published(target)).toEqual(want);

    // The sync that follows (the gates see no published list) puts the same readers in both.
    await discovery.publish(target, ['a.rds.example', 'b.rds.example']);
    expect(await discovery.published(target)).toEqual(['a.rds.example', 'b.rds.example']);
  });
});

describe('reader discovery through Route 53: what the policy says, and a record that is not Scalepilot’s', () => {
  it('a changed ttlSeconds alone is not published yet: the next sync writes the records with it', async () => {
    const hostedZoneId = await privateZone();
    const records = new Route53ReaderRecords(emulator.aws);
    const at30 = { hostedZoneId, recordName: 'reader.db.internal', ttlSeconds: 30 };
    await records.publish(at30, ['a.rds.example']);
    const at60 = { ...at30, ttlSeconds: 60 };
    expect(await records.published(at30)).toEqual(['a.rds.example']);
    expect(await records.published(at60)).toEqual([]);
    await records.publish(at60, ['a.rds.example']);
    expect(await records.published(at60)).toEqual(['a.rds.example']);
  });

  it('a plain CNAME at the name is left alone, and the sync is refused naming it', async () => {
    const hostedZoneId = await privateZone();
    await new Route53Client(clientOptions(emulator.aws)).send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: hostedZoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'reader.db.internal.',
                Type: 'CNAME',
                TTL: 300,
                ResourceRecords: [{ Value: 'primary.rds.example' }],
              },
            },
          ],
        },
      }),
    );
    const records = new Route53ReaderRecords(emulator.aws);
    const where = { hostedZoneId, recordName: 'reader.db.internal', ttlSeconds: 30 };
    const refused = records.publish(where, ['a.rds.example']);
    await expect(refused).rejects.toBeInstanceOf(RequestRefusedError);
    await expect(refused).rejects.toThrow(
      'reader.db.internal already has a CNAME record of its own (to primary.rds.example, no set identifier), which Route 53 does not allow beside weighted ones',
    );
    const left = await new Route53Client(clientOptions(emulator.aws)).send(
      new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }),
    );
    expect(left.ResourceRecordSets?.filter((r) => r.Type === 'CNAME')).toEqual([
      expect.objectContaining({
        Name: 'reader.db.internal.',
        ResourceRecords: [{ Value: 'primary.rds.example' }],
      }),
    ]);
  });
});
