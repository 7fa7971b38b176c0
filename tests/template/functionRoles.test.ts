import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  activeGrants,
  type FunctionName,
  functionAdapters,
  grantedActions,
} from '../../infra/functionAdapters';
import { LAMBDA_SERVICE_ACTIONS } from '../../infra/functionPermissions';
import { examplePolicy } from '../harness/fixtures';
import { exampleTemplate } from '../harness/slsPackage';

// Issue 20, item 2: the packaged roles against the adapters each function constructs (infra/functionAdapters.ts;
// tests/unit/infra/functionAdapters.test.ts holds that table to the handlers' imports and the adapters' source).

type Statement = { Effect: string; Action: string[] };
let roles: Record<string, string[]>;

beforeAll(async () => {
  const resources = JSON.parse(readFileSync(await exampleTemplate(), 'utf8')).Resources as Record<
    string,
    { Type: string; Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] } }
  >;
  roles = Object.fromEntries(
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => [
        id,
        r.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)),
      ]),
  );
});

describe('the packaged roles hold what their functions’ adapters call, and nothing else', () => {
  it.each(Object.keys(functionAdapters) as FunctionName[])(
    '%s (defect: AlertCostRole lacked dynamodb:GetItem and UpdateItem on the delivery table)',
    (fn) => {
      const actions = roles[`${fn[0]?.toUpperCase()}${fn.slice(1)}Role`] ?? [];
      const grants = activeGrants(fn, examplePolicy());
      for (const g of grants)
        for (const action of [...grantedActions(g).read, ...grantedActions(g).write])
          expect(actions, `${fn}: ${g.adapter} calls ${action}`).toContain(action);
      const allowed = new Set([
        ...LAMBDA_SERVICE_ACTIONS,
        ...grants.flatMap((g) => [
          ...grantedActions(g).read,
          ...grantedActions(g).write,
          ...(g.iam.dependent ?? []),
        ]),
      ]);
      for (const action of actions) expect(allowed, `${fn} holds ${action}`).toContain(action);
    },
  );

  it('the cost role can read and update its delivery records', () => {
    expect(roles.AlertCostRole).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
  });
});
