import {
  AutoScalingClient,
  BatchDeleteScheduledActionCommand,
  BatchPutScheduledUpdateGroupActionCommand,
  DescribeScheduledActionsCommand,
} from '@aws-sdk/client-auto-scaling';
import { beforeEach, describe, expect, it } from 'vitest';
import { AutoScalingScheduledActions } from '../../../shared/adapters/AutoScalingScheduledActions';
import { emulatorConfig } from '../../../shared/adapters/awsConfig';
import { forecastActionName } from '../../../shared/decision/scheduledFloors';
import { mockedClient } from '../../harness/mockedClient';

// aws-sdk-client-mock, because moto's DescribeScheduledActions ignores paging and moto never refuses an action
// (tests/integration/predict.test.ts covers the rest against moto): a second page, AWS's 50-per-call limit and
// a refused action are only seen here.
const asg = mockedClient(AutoScalingClient);
const port = () =>
  new AutoScalingScheduledActions(emulatorConfig('http://unused'), 'prod', new AutoScalingClient({}));

beforeEach(() => asg.reset());

describe('AutoScalingScheduledActions', () => {
  it('counts every action of the account on every page, keeping Scalepilot’s with their group (issue 20, items 6 and 7: moto returns one page whatever MaxRecords says)', async () => {
    asg
      .on(DescribeScheduledActionsCommand, { NextToken: undefined })
      .resolves({
        ScheduledUpdateGroupActions: [
          { ScheduledActionName: 'scalepilot-forecast-api-20261201T1000Z', AutoScalingGroupName: 'g1' },
          { ScheduledActionName: 'nightly', AutoScalingGroupName: 'g1' },
        ],
        NextToken: 'p2',
      })
      .on(DescribeScheduledActionsCommand, { NextToken: 'p2' })
      .resolves({
        ScheduledUpdateGroupActions: [
          {
            ScheduledActionName: 'scalepilot-forecast-old-20261201T1100Z',
            AutoScalingGroupName: 'g2',
            MinSize: 4,
          },
        ],
      });
    expect(await port().ownedActions('scalepilot-forecast-')).toEqual([
      { name: 'scalepilot-forecast-api-20261201T1000Z', group: 'g1' },
      { name: 'scalepilot-forecast-old-20261201T1100Z', group: 'g2', minSize: 4 },
    ]);
    const calls = asg.commandCalls(DescribeScheduledActionsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { MaxRecords: 100, NextToken: undefined },
      { MaxRecords: 100, NextToken: 'p2' },
    ]);
  });

  it('reads no further page once `until` says stop (a predict run near its deadline): the pages read so far', async () => {
    asg
      .on(DescribeScheduledActionsCommand, { NextToken: undefined })
      .resolves({
        ScheduledUpdateGroupActions: [
          { ScheduledActionName: 'scalepilot-forecast-api-20261201T1000Z', AutoScalingGroupName: 'g1' },
        ],
        NextToken: 'p2',
      })
      .on(DescribeScheduledActionsCommand, { NextToken: 'p2' })
      .resolves({
        ScheduledUpdateGroupActions: [
          { ScheduledActionName: 'scalepilot-forecast-old-20261201T1100Z', AutoScalingGroupName: 'g2' },
        ],
      });
    expect(await port().ownedActions('scalepilot-forecast-', () => true)).toEqual([
      { name: 'scalepilot-forecast-api-20261201T1000Z', group: 'g1' },
    ]);
    expect(asg.commandCalls(DescribeScheduledActionsCommand)).toHaveLength(1);
  });

  it('reads every page of the group’s scheduled actions', async () => {
    asg
      .on(DescribeScheduledActionsCommand, { NextToken: undefined })
      .resolves({ ScheduledUpdateGroupActions: [{ ScheduledActionName: 'a', MinSize: 3 }], NextToken: 'p2' })
      .on(DescribeScheduledActionsCommand, { NextToken: 'p2' })
      .resolves({ ScheduledUpdateGroupActions: [{ ScheduledActionName: 'b', StartTime: new Date(0) }] });
    expect(await port().scheduledActions('g')).toEqual([
      { name: 'a', minSize: 3 },
      { name: 'b', start: new Date(0) },
    ]);
  });

  it('deletes before it puts, 50 actions a call, the latest first (a put cut short leaves the set-back, not raises alone)', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({})
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .resolves({});
    const put = Array.from({ length: 120 }, (_, i) => ({
      name: `n${i}`,
      start: new Date(i * 60_000),
      minSize: 3,
    }));
    await port().replace('g', put, ['old-1', 'old-2']);
    const calls = asg.calls().map((c) => c.args[0].constructor.name);
    expect(calls).toEqual([
      'BatchDeleteScheduledActionCommand',
      'BatchPutScheduledUpdateGroupActionCommand',
      'BatchPutScheduledUpdateGroupActionCommand',
      'BatchPutScheduledUpdateGroupActionCommand',
    ]);
    const sizes = asg
      .commandCalls(BatchPutScheduledUpdateGroupActionCommand)
      .map((c) => c.args[0].input.ScheduledUpdateGroupActions?.length);
    expect(sizes).toEqual([50, 50, 20]);
    const batches = asg
      .commandCalls(BatchPutScheduledUpdateGroupActionCommand)
      .map((c) => (c.args[0].input.ScheduledUpdateGroupActions ?? []).map((a) => a.ScheduledActionName));
    expect(batches.map((b) => [b[0], b.at(-1)])).toEqual([
      ['n119', 'n70'],
      ['n69', 'n20'],
      ['n19', 'n0'],
    ]);
    expect(
      asg
        .commandCalls(BatchPutScheduledUpdateGroupActionCommand)[2]
        ?.args[0].input.ScheduledUpdateGroupActions?.at(-1),
    ).toEqual({
      ScheduledActionName: 'n0',
      StartTime: new Date(0),
      MinSize: 3,
    });
  });

  it.each([
    {
      name: 'an action AWS refused to put',
      setUp: () =>
        asg
          .on(BatchDeleteScheduledActionCommand)
          .resolves({})
          .on(BatchPutScheduledUpdateGroupActionCommand)
          .resolves({
            FailedScheduledUpdateGroupActions: [
              { ScheduledActionName: 'n0', ErrorMessage: 'Given start time is in the past' },
            ],
          }),
      want: 'could not put scheduled action(s) on g: n0: Given start time is in the past',
    },
    {
      name: 'an action AWS refused to delete (still there when the group is read again)',
      setUp: () =>
        asg
          .on(BatchDeleteScheduledActionCommand)
          .resolves({
            FailedScheduledActions: [{ ScheduledActionName: 'old-1', ErrorCode: 'ResourceContention' }],
          })
          .on(DescribeScheduledActionsCommand)
          .resolves({
            ScheduledUpdateGroupActions: [{ ScheduledActionName: 'old-1', AutoScalingGroupName: 'g' }],
          }),
      want: 'could not delete scheduled action(s) of g: old-1: ResourceContention',
    },
  ])('throws on $name, naming it', async ({ setUp, want }) => {
    setUp();
    await expect(
      port().replace('g', [{ name: 'n0', start: new Date(0), minSize: 3 }], ['old-1']),
    ).rejects.toThrow(want);
  });

  it('an action whose delete failed because it ran meanwhile (gone when read again) is deleted as wanted: the new ones are put', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({ FailedScheduledActions: [{ ScheduledActionName: 'old-1', ErrorMessage: 'not found' }] })
      .on(DescribeScheduledActionsCommand)
      .resolves({
        ScheduledUpdateGroupActions: [{ ScheduledActionName: 'nightly', AutoScalingGroupName: 'g' }],
      })
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .resolves({});
    await port().replace('g', [{ name: 'n0', start: new Date(0), minSize: 3 }], ['old-1', 'old-2']);
    expect(asg.commandCalls(BatchPutScheduledUpdateGroupActionCommand)).toHaveLength(1);
  });
});

// Defect: replace() deleted the old actions before it put the new ones, so a put that failed outright after the
// delete left a MinSize the old ones had raised with no action to set it back (AWS keeps no old value).
describe('AutoScalingScheduledActions.replace keeps a set-back until the new actions are in', () => {
  const at = (iso: string) => new Date(`2026-12-01T${iso}:00Z`);
  const old = ['10:00', '11:00', '12:00'].map((t) => forecastActionName('api', at(t)));
  const newer = [
    { name: forecastActionName('api', at('10:30')), start: at('10:30'), minSize: 5 },
    { name: forecastActionName('api', at('13:00')), start: at('13:00'), minSize: 2 },
  ];
  const calls = () =>
    asg.calls().map((c) => {
      const input = c.args[0].input as {
        ScheduledActionNames?: string[];
        ScheduledUpdateGroupActions?: { ScheduledActionName?: string }[];
      };
      return [
        c.args[0].constructor.name.replace('Command', ''),
        input.ScheduledActionNames ??
          input.ScheduledUpdateGroupActions?.map((a) => a.ScheduledActionName) ??
          [],
      ];
    });

  it('deletes the old raises, puts the new actions, then deletes the old set-back', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({})
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .resolves({});
    await port().replace('g', newer, old);
    expect(calls()).toEqual([
      ['BatchDeleteScheduledAction', [old[0], old[1]]],
      ['BatchPutScheduledUpdateGroupAction', [newer[1]?.name, newer[0]?.name]],
      ['BatchDeleteScheduledAction', [old[2]]],
    ]);
  });

  it('a put that fails outright leaves the old set-back in place', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({})
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .rejects(new Error('Rate exceeded'))
      .on(DescribeScheduledActionsCommand)
      .resolves({
        ScheduledUpdateGroupActions: [{ ScheduledActionName: old[2], AutoScalingGroupName: 'g' }],
      });
    await expect(port().replace('g', newer, old)).rejects.toThrow(/BatchPutScheduledUpdateGroupAction/);
    const deleted = asg
      .commandCalls(BatchDeleteScheduledActionCommand)
      .flatMap((c) => c.args[0].input.ScheduledActionNames ?? []);
    expect(deleted).toEqual([old[0], old[1]]);
  });

  it('a put of an old action’s name updates it in place (not deleted); an old action at a minute a put takes goes first', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({})
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .resolves({});
    const otherTarget = forecastActionName('web', at('13:00'));
    await port().replace(
      'g',
      [...newer, { name: old[1] as string, start: at('11:00'), minSize: 4 }],
      [...old, otherTarget],
    );
    expect(calls()).toEqual([
      ['BatchDeleteScheduledAction', [old[0], old[2], otherTarget]],
      ['BatchPutScheduledUpdateGroupAction', [newer[1]?.name, old[1], newer[0]?.name]],
    ]);
  });

  it('a group at AWS’s 125 with the old set-back held: it goes, and the puts are made again', async () => {
    asg
      .on(BatchDeleteScheduledActionCommand)
      .resolves({})
      .on(BatchPutScheduledUpdateGroupActionCommand)
      .rejectsOnce(new Error('LimitExceeded'))
      .resolves({})
      .on(DescribeScheduledActionsCommand)
      .resolves({
        ScheduledUpdateGroupActions: Array.from({ length: 125 }, (_, i) => ({
          ScheduledActionName: `a${i}`,
          AutoScalingGroupName: 'g',
        })),
      });
    await port().replace('g', newer, old);
    expect(calls().filter(([name]) => name !== 'DescribeScheduledActions')).toEqual([
      ['BatchDeleteScheduledAction', [old[0], old[1]]],
      ['BatchPutScheduledUpdateGroupAction', [newer[1]?.name, newer[0]?.name]],
      ['BatchDeleteScheduledAction', [old[2]]],
      ['BatchPutScheduledUpdateGroupAction', [newer[1]?.name, newer[0]?.name]],
    ]);
  });
});
