import { describe, expect, it } from 'vitest';
import {
  type RdsSourceFacts,
  rdsPrerequisiteProblems,
  readerDiscoveryProblems,
} from '../../../shared/decision/rdsReplicasPrerequisites';
import { rdsTarget } from './rdsReplicasFixtures';

const instance = (extra: Partial<NonNullable<RdsSourceFacts['instance']>> = {}): RdsSourceFacts => ({
  instance: {
    engine: 'mysql',
    status: 'available',
    backupRetentionDays: 7,
    replicas: 0,
    otherReplicas: 0,
    ...extra,
  },
});
const cluster = (extra: Partial<NonNullable<RdsSourceFacts['cluster']>> = {}): RdsSourceFacts => ({
  cluster: { engine: 'aurora-mysql', status: 'available', readers: 1, otherReaders: 1, ...extra },
});

describe('RDS prerequisites (validate --check-account, plan)', () => {
  it.each([
    { name: 'a MySQL source with backups is ready', aurora: false, facts: instance(), want: [] },
    { name: 'no such instance', aurora: false, facts: {}, want: [/no DB instance event-platform-db/] },
    {
      name: 'an Aurora cluster named as an instance',
      aurora: false,
      facts: cluster(),
      want: [/is an Aurora DB cluster: set aurora: true/],
    },
    {
      name: 'an Aurora member named as the source',
      aurora: false,
      facts: instance({ clusterId: 'c1' }),
      want: [/member of Aurora cluster c1/],
    },
    {
      name: 'the source is itself a replica',
      aurora: false,
      facts: instance({ replicaOf: 'primary' }),
      want: [/itself a read replica of primary/],
    },
    {
      name: 'automated backups off',
      aurora: false,
      facts: instance({ backupRetentionDays: 0 }),
      want: [/automated backups are off/],
    },
    {
      name: 'an engine without replicas',
      aurora: false,
      facts: instance({ engine: 'db2-se' }),
      want: [/engine db2-se has no read replicas/],
    },
    ...['oracle-se2', 'oracle-se2-cdb'].map((engine) => ({
      name: `${engine}: Oracle replicas are Enterprise Edition only`,
      aurora: false,
      facts: instance({ engine }),
      want: [new RegExp(`engine ${engine} has no read replicas`)],
    })),
    {
      name: 'the maximum beyond 15 with hand-made replicas',
      aurora: false,
      facts: instance({ otherReplicas: 13 }),
      want: [/capacity.max 3 plus 13 .* exceeds the 15/],
    },
    {
      name: 'Oracle allows 5',
      aurora: false,
      facts: instance({ engine: 'oracle-ee', otherReplicas: 3 }),
      want: [/exceeds the 5/],
    },
    { name: 'an Aurora cluster with room is ready', aurora: true, facts: cluster(), want: [] },
    {
      name: 'aurora: true on an instance',
      aurora: true,
      facts: instance(),
      want: [/is a DB instance, not an Aurora cluster/],
    },
    { name: 'no such cluster', aurora: true, facts: {}, want: [/no Aurora DB cluster/] },
    {
      name: 'Aurora reader limit',
      aurora: true,
      facts: cluster({ otherReaders: 14 }),
      want: [/exceeds Aurora's 15 readers/],
    },
  ])('$name', ({ aurora, facts, want }) => {
    const problems = rdsPrerequisiteProblems(rdsTarget({ aurora }), facts);
    expect(problems).toHaveLength(want.length);
    for (const [i, pattern] of want.entries()) expect(problems[i]).toMatch(pattern);
  });
});

describe('reader discovery prerequisites', () => {
  const withZone = rdsTarget({
    readerDiscovery: { route53: { hostedZoneId: 'Z1', recordName: 'reader.db.internal' } },
  });
  it.each([
    { name: 'no discovery: nothing to check', target: rdsTarget(), zone: undefined, want: [] },
    {
      name: 'a private zone holding the record name',
      target: withZone,
      zone: { name: 'db.internal.', privateZone: true },
      want: [],
    },
    { name: 'the zone missing', target: withZone, zone: undefined, want: [/no hosted zone Z1/] },
    {
      name: 'a public zone',
      target: withZone,
      zone: { name: 'db.internal.', privateZone: false },
      want: [/is public/],
    },
    {
      name: 'the record outside the zone',
      target: withZone,
      zone: { name: 'other.internal.', privateZone: true },
      want: [/reader.db.internal is not inside hosted zone other.internal/],
    },
    {
      // Route 53 (choosing between alias and non-alias records): no CNAME at the zone apex; every sync would fail.
      name: 'the record name is the zone apex, where no CNAME may be',
      target: rdsTarget({
        readerDiscovery: { route53: { hostedZoneId: 'Z1', recordName: 'db.internal' } },
      }),
      zone: { name: 'db.internal.', privateZone: true },
      want: [/db.internal is the apex of hosted zone db.internal/],
    },
  ])('$name', ({ target, zone, want }) => {
    const problems = readerDiscoveryProblems(target, zone);
    expect(problems).toHaveLength(want.length);
    for (const [i, pattern] of want.entries()) expect(problems[i]).toMatch(pattern);
  });
});
