import { describe, expect, it } from 'vitest';
import { RequestRefusedError } from '../../../shared/errors';
import type { CapacityChangeNotice, TargetRecord } from '../../../shared/ports';
import { noticesToTell, withTold } from '../../../shared/usecases/evaluate/notifyChange';
import { type EvaluateDeps, evaluateTargets } from '../../../shared/usecases/evaluateTargets';
import { seedStepPolicy, testClock } from '../../harness/fixtures';
import { FunctionMetrics, InMemoryCapacity, InMemoryLedger } from '../../harness/inMemoryPorts';

// Issue 21: no notice storms. A notice that changes nothing (a failed action, a gate's skip worth telling,
// a plan member that cannot follow) is told when it is new, and the same one not again within the hour:
// the 7-day soak found a target telling ActionFailed three times in an hour, a hold between each refusal.

const T0 = new Date('2026-11-22T12:00:30Z');

function refusingGroup() {
  const clock = testClock(T0);
  const ledger = new InMemoryLedger();
  const capacity = new InMemoryCapacity(4);
  capacity.failSet = new RequestRefusedError('SetDesiredCapacity', new Error('ScalingActivityInProgress'));
  const notices: CapacityChangeNotice[] = [];
  let load = 85;
  const deps: EvaluateDeps = {
    policy: seedStepPolicy(),
    kind: 'asg',
    capacity,
    metrics: new FunctionMetrics(() => load),
    ledger,
    notifier: { capacityChanged: async (n) => void notices.push(n) },
    clock,
    log: { info() {}, warn() {}, error() {} },
    owner: 'r1',
  };
  let run = 0;
  /** One minute at `cpu`: the schedule's evaluation, then the clock moves on. */
  const minute = async (cpu: number) => {
    load = cpu;
    run += 1;
    const evaluations = await evaluateTargets({ ...deps, owner: `r${run}` }, { trigger: 'schedule' });
    clock.advance(60);
    return evaluations.map((e) => e.decision.reason);
  };
  const told = () => notices.map((n) => n.decision.reason);
  return { minute, told, ledger, clock };
}

describe('a refused action between holds is told at most once an hour', () => {
  it('three refusals within the hour, each after a hold: one notice; the next after the hour: another', async () => {
    const { minute, told, ledger } = refusingGroup();
    const reasons: string[] = [];
    // Refused, then quiet (a hold clears the failure and its last notice), refused again … for 40 minutes.
    for (let round = 0; round < 3; round += 1) {
      reasons.push(...(await minute(85)));
      for (let quiet = 0; quiet < 12; quiet += 1) reasons.push(...(await minute(50)));
    }
    expect(reasons.filter((r) => r === 'ActionFailed')).toHaveLength(3);
    expect(told()).toEqual(['ActionFailed']);
    expect((await ledger.read('api')).noticesToldAt?.ActionFailed).toEqual(T0);
    // 60 minutes after the first was told, the same refusal is told again.
    while (reasons.length < 60) reasons.push(...(await minute(50)));
    expect(await minute(85)).toEqual(['ActionFailed']);
    expect(told()).toEqual(['ActionFailed', 'ActionFailed']);
  });
});

describe('a refusal the ledger cannot record is still told', () => {
  it('the record fails (DynamoDB 503s): AWS’s refusal is told anyway; the next run retries', async () => {
    const { minute, told, ledger, clock } = refusingGroup();
    ledger.failNextRecords = 1;
    // The run fails (Lambda retries it), having told what AWS said.
    await expect(minute(85)).rejects.toThrow(/evaluation failed for "api": injected: the ledger write/);
    clock.advance(60);
    // Soak seed 57721: the next run found the intent never applied, retried and succeeded; nothing told.
    expect(told()).toEqual(['ActionFailed']);
    expect(ledger.log.filter((d) => d.reason === 'ActionFailed')).toHaveLength(0);
    // Refused again and recorded: told again (when it was told could not be kept), and from then on the hour holds.
    await minute(85);
    expect(ledger.log.filter((d) => d.reason === 'ActionFailed')).toHaveLength(1);
    expect(told()).toEqual(['ActionFailed', 'ActionFailed']);
    for (let quiet = 0; quiet < 12; quiet += 1) await minute(50);
    await minute(85);
    expect(ledger.log.filter((d) => d.reason === 'ActionFailed')).toHaveLength(2);
    expect(told()).toEqual(['ActionFailed', 'ActionFailed']);
  });
});

describe('noticesToTell: each part of a notice told when new, not again within the hour', () => {
  const now = new Date('2026-11-22T13:00:00Z');
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const rows: {
    name: string;
    record: Pick<TargetRecord, 'lastNotice' | 'noticesToldAt'>;
    key: string;
    wouldChange?: boolean;
    want: ReturnType<typeof noticesToTell>;
  }[] = [
    {
      name: 'a new skip notice, never told: told',
      record: {},
      key: 'SourceNotAvailable',
      want: { own: true, plan: false, keys: ['SourceNotAvailable'] },
    },
    {
      name: 'the same skip as the last notice: not told (it repeats every minute)',
      record: { lastNotice: 'SourceNotAvailable' },
      key: 'SourceNotAvailable',
      want: { own: false, plan: false, keys: [] },
    },
    {
      name: 'a skip that came back within the hour it was told: not told',
      record: { noticesToldAt: { SourceNotAvailable: ago(59) } },
      key: 'SourceNotAvailable',
      want: { own: false, plan: false, keys: [] },
    },
    {
      name: 'a skip that came back an hour after it was told: told',
      record: { noticesToldAt: { SourceNotAvailable: ago(60) } },
      key: 'SourceNotAvailable',
      want: { own: true, plan: false, keys: ['SourceNotAvailable'] },
    },
    {
      name: 'another skip within the hour of the first: told (it is news)',
      record: { noticesToldAt: { SourceNotAvailable: ago(5) } },
      key: 'OperationStuck',
      want: { own: true, plan: false, keys: ['OperationStuck'] },
    },
    {
      name: 'a plan notice back within the hour: not told; the decision part beside it is',
      record: { noticesToldAt: { 'PlanMemberCannotFollow at-max': ago(10) } },
      key: 'SourceNotAvailable | PlanMemberCannotFollow at-max',
      want: { own: true, plan: false, keys: ['SourceNotAvailable'] },
    },
    {
      name: 'a dry run would-be change back within the hour: told (as the change would be)',
      record: { noticesToldAt: { 'dry run 4→6': ago(2) } },
      key: 'dry run 4→6',
      wouldChange: true,
      want: { own: true, plan: false, keys: ['dry run 4→6'] },
    },
  ];
  it.each(rows)('$name', ({ record, key, wouldChange, want }) => {
    expect(noticesToTell(record, key, now, wouldChange ?? false)).toEqual(want);
  });

  it('withTold keeps the last hour only, so the record stays small', () => {
    expect(withTold({ old: ago(61), recent: ago(30) }, ['new'], now)).toEqual({ recent: ago(30), new: now });
  });
});
