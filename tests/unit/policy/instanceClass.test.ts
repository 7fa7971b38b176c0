import { describe, expect, it } from 'vitest';
import { instanceClass } from '../../../shared/policy/instanceClass';

// Each service's type names in the form its documentation gives (EC2: "the instance family is everything before
// the period"; RDS: db.<family>.<size>, RDS for Oracle's db.r5b.4xlarge.tpc2.mem2x; ElastiCache: cache.<family>.<size>).
// They were any text: `*` priced nothing and an RDS class without `db.` failed at the first scale-out.
const problemOf = (service: Parameters<typeof instanceClass>[0], text: string) => {
  const result = instanceClass(service).safeParse(text);
  return result.success ? undefined : result.error.issues.map((i) => i.message).join('; ');
};

describe('instance types, classes and node types', () => {
  it.each([
    { name: 'EC2 m7g.large', service: 'ec2', text: 'm7g.large' },
    { name: 'EC2 a family with a hyphen (u-6tb1.metal)', service: 'ec2', text: 'u-6tb1.metal' },
    { name: 'EC2 a flex family (m7i-flex.2xlarge)', service: 'ec2', text: 'm7i-flex.2xlarge' },
    { name: 'EC2 a metal size (c7i.metal-24xl)', service: 'ec2', text: 'c7i.metal-24xl' },
    { name: 'RDS db.r6g.large', service: 'rds', text: 'db.r6g.large' },
    { name: 'RDS db.x2iedn.16xlarge', service: 'rds', text: 'db.x2iedn.16xlarge' },
    { name: 'RDS db.m7i.metal-48xl', service: 'rds', text: 'db.m7i.metal-48xl' },
    {
      name: "RDS for Oracle's preconfigured db.r5b.4xlarge.tpc2.mem2x",
      service: 'rds',
      text: 'db.r5b.4xlarge.tpc2.mem2x',
    },
    { name: 'ElastiCache cache.r7g.large', service: 'elasticache', text: 'cache.r7g.large' },
    { name: 'ElastiCache cache.t4g.micro', service: 'elasticache', text: 'cache.t4g.micro' },
  ] as const)('takes $name', ({ service, text }) => {
    expect(problemOf(service, text)).toBeUndefined();
  });

  it.each([
    {
      name: 'EC2 *',
      service: 'ec2',
      text: '*',
      says: '"*": must be an EC2 instance type, family.size such as m7g.large, not a wildcard',
    },
    {
      name: 'EC2 m7g.*',
      service: 'ec2',
      text: 'm7g.*',
      says: '"m7g.*": must be an EC2 instance type, family.size such as m7g.large, not a wildcard',
    },
    {
      name: 'EC2 a family alone',
      service: 'ec2',
      text: 'm7g',
      says: '"m7g": must be an EC2 instance type, family.size such as m7g.large',
    },
    {
      name: 'EC2 in capitals',
      service: 'ec2',
      text: 'M7g.Large',
      says: '"M7g.Large": must be an EC2 instance type, family.size such as m7g.large',
    },
    {
      name: 'EC2 an RDS class',
      service: 'ec2',
      text: 'db.r6g.large',
      says: '"db.r6g.large": must be an EC2 instance type, family.size such as m7g.large',
    },
    {
      name: 'EC2 padded',
      service: 'ec2',
      text: ' m7g.large',
      says: '" m7g.large": must be an EC2 instance type, family.size such as m7g.large',
    },
    {
      name: 'RDS without db.',
      service: 'rds',
      text: 'r6g.large',
      says: '"r6g.large": must be an RDS instance class, db.family.size such as db.r6g.large',
    },
    {
      name: 'RDS db.*',
      service: 'rds',
      text: 'db.*',
      says: '"db.*": must be an RDS instance class, db.family.size such as db.r6g.large, not a wildcard',
    },
    {
      name: 'RDS db.serverless (Aurora Serverless v2: its readers are no instances to count)',
      service: 'rds',
      text: 'db.serverless',
      says: '"db.serverless": must be a provisioned RDS instance class (db.family.size such as db.r6g.large): Serverless v2 readers scale themselves in ACUs, which Scalepilot does not count',
    },
    {
      name: 'ElastiCache without cache.',
      service: 'elasticache',
      text: 'r7g.large',
      says: '"r7g.large": must be an ElastiCache node type, cache.family.size such as cache.r7g.large',
    },
    {
      name: 'ElastiCache cache.*',
      service: 'elasticache',
      text: 'cache.*',
      says: '"cache.*": must be an ElastiCache node type, cache.family.size such as cache.r7g.large, not a wildcard',
    },
    {
      name: 'ElastiCache a line break, quoted escaped',
      service: 'elasticache',
      text: 'cache.r7g\n.large',
      says: '"cache.r7g\\n.large": must be an ElastiCache node type, cache.family.size such as cache.r7g.large',
    },
  ] as const)('refuses $name', ({ service, text, says }) => {
    expect(problemOf(service, text)).toBe(says);
  });
});
