import { describe, expect, it } from 'vitest';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { EXAMPLE_POLICY, examplePolicy } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// `scalepilot release --dry-run` (the real CLI) on an account where none of the example's resources exist
// (defect: a missing RDS source stopped the release with `RDS DB instance "…" does not exist`, naming neither
// the target nor the file, and the cache was never looked at; a missing group was `nothing to do`).
const emulator = useEmulator();

describe('release: a resource that is not there is the same line for every kind, and the release goes on', () => {
  it('names each target and its resource, nothing to do; exit 0', async () => {
    const run = await cliOnEmulator(emulator.endpoint, 'release', EXAMPLE_POLICY, '--dry-run');
    const lines = run.stdout.split('\n');
    for (const t of examplePolicy().targets) {
      const [kind, name] =
        t.kind === 'asg'
          ? ['Auto Scaling group', t.autoScalingGroupName]
          : t.kind === 'rds-replicas'
            ? ['RDS DB instance', t.sourceDbInstanceIdentifier]
            : ['ElastiCache replication group', t.replicationGroupId];
      expect(lines).toContain(`     ${t.name}: ${kind} "${name}" not found: nothing to do`);
    }
    expect(run.stdout).toMatch(/^dry run: changed nothing \(0 change\(s\) planned, 0 refused/m);
    expect(run.code).toBe(0);
  }, 60_000);
});
