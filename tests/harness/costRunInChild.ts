// One run of the cost function in a process of its own, so a test can kill it mid-send the way Lambda ends
// an invocation at its timeout (nothing after the kill runs: no catch, no finally).
// Usage: node --import tsx costRunInChild.ts '{"endpoint": …, "env": {…}, "policy": {…}, "now": "…"}'
import { emulatorConfig } from '../../shared/adapters/awsConfig';
import { costFunction } from '../../shared/lambda/costFunction';
import type { Policy } from '../../shared/policy/schema';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  endpoint: string;
  env: Record<string, string>;
  policy: Policy;
  now: string;
};
const handler = costFunction({
  env: input.env,
  policy: input.policy,
  aws: emulatorConfig(input.endpoint),
  clock: { now: () => new Date(input.now) },
});
await handler({ check: 'daily' }, { awsRequestId: 'child', getRemainingTimeInMillis: () => 60_000 } as never);
