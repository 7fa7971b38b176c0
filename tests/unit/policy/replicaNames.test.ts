import { describe, expect, it } from 'vitest';
import { replicaId, replicaPrefix } from '../../../shared/decision/rdsReplicasNames';
import { matchesReplicaNames, replicaNamePatterns } from '../../../shared/policy/replicaNames';
import { rdsTarget } from '../decision/rdsReplicasFixtures';
import { policyProblems as problems } from './policyProblems';

// Issue 20, item 1: with sources `db` and `db-sp-main` in one policy, the role of `db` (replica pattern
// `db:db-sp-*`) could tag `db-sp-main` as its own replica and then delete it. The patterns now stop two
// characters after the prefix, and validation (and so `sls package`) refuses any source the patterns of a
// target of the policy would still reach, with one line naming both targets.

const two = (a: string, b: string, aurora = false) => ({
  version: 1,
  targets: [
    rdsTarget({ name: 'first', sourceDbInstanceIdentifier: a }),
    rdsTarget({ name: 'second', sourceDbInstanceIdentifier: b, aurora }),
  ],
});

describe('replica name patterns reach replicas only (defect: one RDS target could delete another’s source)', () => {
  it('match every replica name 1..99 and nothing that runs on past two characters', () => {
    expect(replicaNamePatterns('db')).toEqual(['db-sp-?', 'db-sp-??']);
    for (let n = 1; n <= 99; n += 1) expect(matchesReplicaNames('db', replicaId('db', n))).toBe(true);
    for (const id of ['db', 'db-sp-main', 'db-sp-', 'db-sp-100', 'db-sp-1-sp-1', 'db-s-1'])
      expect(matchesReplicaNames('db', id), id).toBe(false);
  });

  it.each([
    {
      name: 'a source named like the other’s replica (db, db-sp-7)',
      raw: two('db', 'db-sp-7'),
      want: [
        'targets[1] "second".sourceDbInstanceIdentifier: "db-sp-7" matches the replica names of targets[0] "first" (its replica names db-sp-?, db-sp-??): that target\'s role could tag and delete it; rename the source or manage it in another stack',
      ],
    },
    {
      name: 'an Aurora cluster named like the other’s replica (db, db-sp-ab)',
      raw: two('db', 'db-sp-ab', true),
      want: [
        expect.stringContaining(
          'targets[1] "second".sourceDbInstanceIdentifier: "db-sp-ab" matches the replica names of targets[0] "first"',
        ),
      ],
    },
    {
      name: 'the same source in another case is a duplicate resource, named once',
      raw: two('db', 'DB'),
      want: [expect.stringContaining('is already managed by targets[0]; two targets would fight')],
    },
  ])('refuses $name, one line naming both targets', ({ raw, want }) => {
    expect(problems(raw)).toEqual(want);
  });

  it('refuses two long sources whose hashed replica prefixes collide', () => {
    // A 24-bit hash of 63-character ids sharing their first 50 characters: a collision is found in a few
    // thousand tries.
    const head = `events-${'x'.repeat(43)}`;
    const byPrefix = new Map<string, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair && i < 200_000; i += 1) {
      const id = `${head}${i.toString(36).padStart(13, '0')}`;
      const seen = byPrefix.get(replicaPrefix(id));
      if (seen) pair = [seen, id];
      else byPrefix.set(replicaPrefix(id), id);
    }
    if (!pair) throw new Error('no collision found');
    const found = problems(two(pair[0], pair[1]));
    expect(found, found.join('\n')).toHaveLength(2);
    expect(found[0]).toContain(`"${pair[0]}" has the same replica names as targets[1] "second"`);
  });

  it.each([
    {
      name: 'sources sharing a prefix (db, db-sp-main): the patterns cannot reach it',
      raw: two('db', 'db-sp-main'),
    },
    { name: 'a source that extends another (db, db-sp)', raw: two('db', 'db-sp') },
    { name: 'unrelated sources', raw: two('orders-db', 'users-db') },
  ])('accepts $name', ({ raw }) => {
    expect(problems(raw)).toEqual([]);
  });
});
