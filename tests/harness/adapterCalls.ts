import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// What the code of each function can call, read from its source: the adapter files its handler reaches through
// value imports, and the IAM actions of the SDK commands each adapter file sends (issue 20, item 2).

export const ROOT = resolve(import.meta.dirname, '../..');

/** The project files `file` imports for their values (`import type` and all-type named imports left out). */
function valueImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of source.matchAll(/^import\s+(type\s+)?([^;]*?)\s+from\s+'([^']+)';/gm)) {
    if (m[1]) continue;
    const names = /^\{([\s\S]*)\}$/.exec((m[2] ?? '').trim())?.[1];
    if (names?.split(',').every((n) => n.trim() === '' || n.trim().startsWith('type '))) continue;
    if (!m[3]?.startsWith('.')) continue; // a package, not a project file
    const path = resolve(dirname(file), m[3]);
    if (existsSync(`${path}.ts`)) found.push(`${path}.ts`);
  }
  return found;
}

/** Every project file reachable from `entry` through value imports. */
export function reachableFiles(entry: string): string[] {
  const seen = new Set<string>();
  const stack = [resolve(ROOT, entry)];
  while (stack.length > 0) {
    const file = stack.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    stack.push(...valueImports(file));
  }
  return [...seen];
}

const PREFIX: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-rds': 'rds',
  'client-elasticache': 'elasticache',
  'client-cloudwatch': 'cloudwatch',
  'client-sns': 'sns',
  'client-cost-explorer': 'ce',
  'client-ssm': 'ssm',
  'client-application-auto-scaling': 'application-autoscaling',
  'client-route-53': 'route53',
  'client-dynamodb': 'dynamodb',
  'client-kms': 'kms',
  'client-sts': 'sts',
  'client-pricing': 'pricing',
  'client-sqs': 'sqs',
  'client-service-quotas': 'servicequotas',
};
/** The DynamoDB document client's commands and the item APIs they call. */
const DOCUMENT_COMMANDS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
};

/** Commands IAM authorises as another action: SNS's PublishBatch is `sns:Publish` for each message. */
const AUTHORISED_AS: Record<string, string> = { 'sns:PublishBatch': 'sns:Publish' };

/** The IAM actions the SDK calls in one source file make (empty for a file that calls nothing). */
export function actionsCalledIn(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const clients = [...source.matchAll(/from '@aws-sdk\/(client-[a-z0-9-]+)'/g)].map((m) => m[1] ?? '');
  const actions = new Set<string>();
  // Powertools' SSMProvider reads parameters with GetParameter.
  if (source.includes('new SSMProvider(')) actions.add('ssm:GetParameter');
  for (const [, name] of source.matchAll(/new (\w+)Command\(/g)) {
    const command = name ?? '';
    if (source.includes('@aws-sdk/lib-dynamodb') && command === 'TransactWrite') {
      // A transaction is authorised as the item writes inside it (IAM has no TransactWriteItems action).
      for (const [, op] of source.matchAll(/\b(Put|Update|Delete|ConditionCheck): /g))
        actions.add(`dynamodb:${op}Item`);
      continue;
    }
    const document = source.includes('@aws-sdk/lib-dynamodb') ? DOCUMENT_COMMANDS[command] : undefined;
    if (document) {
      actions.add(document);
      continue;
    }
    // The client the command is imported from.
    const from = clients.find((c) =>
      new RegExp(`\\b${command}Command\\b[\\s\\S]*?from '@aws-sdk/${c}'`).test(source),
    );
    const action = `${PREFIX[from ?? clients[0] ?? ''] ?? '?'}:${command}`;
    actions.add(AUTHORISED_AS[action] ?? action);
  }
  return [...actions].sort();
}

/** The adapter files (shared/adapters/<Name>.ts that export `<name>Iam`), by name. */
export function adapterFiles(): string[] {
  return readdirSync(resolve(ROOT, 'shared/adapters'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .filter((name) =>
      readFileSync(resolve(ROOT, 'shared/adapters', `${name}.ts`), 'utf8').includes(
        `export const ${iamName(name)}:`,
      ),
    );
}

/** The name of an adapter file's IAM declaration: `AutoScalingCapacity` → `autoScalingCapacityIam`. */
export const iamName = (adapter: string) => `${adapter[0]?.toLowerCase()}${adapter.slice(1)}Iam`;
