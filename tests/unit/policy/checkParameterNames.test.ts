import { describe, expect, it } from 'vitest';
import { policyProblems as problems } from './policyProblems';

// Security review s51: a target's reader-discovery parameter, which its scaler overwrites with the replicas'
// endpoints after every change (its role may PutParameter on it), could name a stage's kill switch
// (/scalepilot/<stage>/paused: overwritten, the stage unpaused or paused), the webhook's parameter (its URL lost)
// or another target's (each overwriting the other's endpoints).

const withParameter = (name: string, i = 0) => ({
  name: `db${i}`,
  kind: 'rds-replicas',
  sourceDbInstanceIdentifier: `source${i}`,
  capacity: { min: 1, max: 3 },
  rules: [
    {
      name: 'cpu',
      type: 'step',
      metric: { namespace: 'AWS/RDS', name: 'CPUUtilization' },
      scaleOut: [{ above: 70, add: 1 }],
      scaleIn: [{ below: 30, remove: 1 }],
    },
  ],
  readerDiscovery: { ssmParameterName: name },
});

describe('a reader-discovery parameter is the target’s own', () => {
  it.each([
    { name: 'a parameter of its own', targets: [withParameter('/db/readers')], want: [] },
    {
      name: 'a stage’s kill switch',
      targets: [withParameter('/scalepilot/prod/paused')],
      want: [
        'targets[0] "db0".readerDiscovery.ssmParameterName: "/scalepilot/prod/paused" is under /scalepilot/, which Scalepilot keeps for its own parameters (a stage\'s kill switch): the RDS scaler would overwrite it with endpoints',
      ],
    },
    {
      name: 'the webhook’s parameter',
      targets: [withParameter('/chat/webhook')],
      notifications: { webhookParameterName: '/chat/webhook' },
      want: [
        'targets[0] "db0".readerDiscovery.ssmParameterName: "/chat/webhook" is notifications.webhookParameterName: the RDS scaler would overwrite the webhook\'s URL',
      ],
    },
    {
      name: 'another target’s',
      targets: [withParameter('/db/readers', 0), withParameter('/db/readers', 1)],
      want: [
        'targets[1] "db1".readerDiscovery.ssmParameterName: "/db/readers" is already written by targets[0]; each would overwrite the other\'s endpoints',
      ],
    },
    {
      name: 'two targets, each its own',
      targets: [withParameter('/db/readers-0', 0), withParameter('/db/readers-1', 1)],
      want: [],
    },
  ])('$name', ({ targets, notifications, want }) => {
    expect(problems({ version: 1, targets, ...(notifications ? { notifications } : {}) })).toEqual(want);
  });
});
