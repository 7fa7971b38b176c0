import { beforeEach, describe, expect, it } from 'vitest';
import { DemoAccount } from '../../shared/adapters/DemoAccount';
import { cliOnEmulator } from '../harness/cliOnEmulator';
import { deployedFunction } from '../harness/deployedFunction';
import { EXAMPLE_POLICY } from '../harness/fixtures';
import { useEmulator } from '../harness/useEmulator';

// The commands that read the ledger, as the operator runs them (the real CLI in a child process) against moto.
// A ledger table that does not exist is refused up front in one line naming it (defect: three
// `Requested resource not found` errors naming no table, a raw JSON dump, then plan's false "no steps").
// An empty ledger is said in one line (defect: `decisions` printed nothing at all).
const emulator = useEmulator({ reset: false });
beforeEach(() => emulator.reset());

const cli = (...args: string[]) => cliOnEmulator(emulator.endpoint, ...args, '--account', '123456789012');

describe('a ledger table that does not exist: one line naming it, exit 1', () => {
  it.each([
    { name: 'plan --table', args: ['plan', EXAMPLE_POLICY, '--table', 'nosuchtable'], table: 'nosuchtable' },
    {
      name: 'why --table',
      args: ['why', EXAMPLE_POLICY, '--target', 'api', '--table', 'ledger'],
      table: 'ledger',
    },
    {
      name: 'predict --table (it read on, each failure naming no table)',
      args: ['predict', EXAMPLE_POLICY, '--table', 'nosuchtable'],
      table: 'nosuchtable',
    },
    {
      name: 'release --table --dry-run',
      args: ['release', EXAMPLE_POLICY, '--table', 'nosuchtable', '--dry-run'],
      table: 'nosuchtable',
    },
    {
      name: 'decisions, the stage function naming a table that is gone',
      args: ['decisions', EXAMPLE_POLICY, '--stage', 'gone'],
      table: 'removed-ledger',
      setUp: () => deployedFunction(emulator.aws, 'gone', 'scaleAsg', { LEDGER_TABLE: 'removed-ledger' }),
    },
  ])(
    '$name',
    async ({ args, table, setUp }) => {
      await setUp?.();
      const run = await cli(...args);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        `ledger table "${table}" not found in us-east-1 at ${emulator.endpoint}: is the stage deployed? --table names it`,
      );
      expect(run.stdout).not.toMatch(/no steps/);
    },
    60_000,
  );
});

describe('scalepilot decisions on an empty ledger', () => {
  it('says no decision is recorded yet for the stage, naming the table; --json stays []', async () => {
    await new DemoAccount(emulator.aws).createLedgerTable('ledger');
    await deployedFunction(emulator.aws, 'dev', 'scaleAsg', { LEDGER_TABLE: 'ledger' });
    const text = await cli('decisions', EXAMPLE_POLICY, '--stage', 'dev');
    expect(text).toMatchObject({ code: 0, stderr: '' });
    expect(text.stdout.trim()).toBe(
      'no decision recorded yet for stage "dev" (ledger table "ledger"; it keeps 30 days; has the stack run?)',
    );
    const json = await cli('decisions', EXAMPLE_POLICY, '--stage', 'dev', '--json');
    expect(JSON.parse(json.stdout)).toEqual([]);
  }, 60_000);
});
