import { AwsCallError } from '../errors';
import { dynamoItemSize } from './dynamoItemSize';

/** DynamoDB's own limits: keys per BatchGetItem, items per BatchWriteItem, items per TransactWriteItems. */
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
const TRANSACTION_ITEMS = 100;
/** A transaction's items may not pass 4 MB together: sizes here are estimates (dynamoItemSize), so a margin. */
const TRANSACTION_BYTES = 3_500_000;
/** Why DynamoDB cancels a transaction that may go through when sent again: a write under way, throttling. */
const PASSING_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
/** Batched calls of one read or write in flight at once. */
const BATCHES_IN_FLIGHT = 4;
/** Rounds for the keys or items DynamoDB leaves unprocessed (throttled), with a growing pause between. */
const UNPROCESSED_ROUNDS = 6;

type Item = Record<string, unknown>;

/** One BatchGetItem call: the items found, and the keys DynamoDB left unprocessed. */
export type BatchGet = (keys: Item[]) => Promise<{ found: Item[]; unprocessed: Item[] }>;
/** One BatchWriteItem call of puts: the items DynamoDB left unprocessed. */
export type BatchPut = (items: Item[]) => Promise<Item[]>;

/** A put in a transaction, with the condition it lands under (none: it always does). */
export interface ConditionalPut {
  readonly item: Item;
  readonly condition?: { readonly expression: string; readonly values?: Item };
}

/**
 * One TransactWriteItems call of puts: undefined when it went through; when DynamoDB cancelled it (nothing
 * written), each put's cancellation reason code in order (`None`, `ConditionalCheckFailed`, `TransactionConflict` …).
 */
export type TransactPuts = (puts: readonly ConditionalPut[]) => Promise<readonly string[] | undefined>;

/**
 * Every item of `keys` that exists: `get` (the caller's BatchGetItem call, which its IAM declaration names)
 * with 100 keys a call, a few calls at once, the keys DynamoDB leaves unprocessed asked again after a growing
 * pause. `what` names the read in errors (e.g. "state").
 */
export async function batchGetAll(keys: readonly Item[], what: string, get: BatchGet): Promise<Item[]> {
  const operation = `DynamoDB BatchGetItem (${what})`;
  const pages = await inBatches(chunked(keys, BATCH_GET_KEYS), async (batch) => {
    const found: Item[] = [];
    let pending: Item[] = [...batch];
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === UNPROCESSED_ROUNDS)
        throw new AwsCallError(operation, new Error(`${pending.length} keys left unprocessed`));
      if (round > 0) await pause(round);
      const answer = await get(pending).catch((cause: unknown) => {
        throw new AwsCallError(operation, cause);
      });
      found.push(...answer.found);
      pending = answer.unprocessed;
    }
    return found;
  });
  return pages.flat();
}

/**
 * Every item put, unconditionally: `put` (the caller's BatchWriteItem call) with 25 items a call, a few calls
 * at once, the items DynamoDB leaves unprocessed sent again after a growing pause.
 */
export async function batchPutAll(items: readonly Item[], what: string, put: BatchPut): Promise<void> {
  const operation = `DynamoDB BatchWriteItem (${what})`;
  await inBatches(chunked(items, BATCH_WRITE_ITEMS), async (batch) => {
    let pending: Item[] = [...batch];
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === UNPROCESSED_ROUNDS)
        throw new AwsCallError(operation, new Error(`${pending.length} items left unprocessed`));
      if (round > 0) await pause(round);
      pending = await put(pending).catch((cause: unknown) => {
        throw new AwsCallError(operation, cause);
      });
    }
  });
}

/**
 * Every put of `groups`, a conditioned put only while its condition holds: `transact` (the caller's
 * TransactWriteItems call) with up to 100 items and 4 MB a call, a group never split, no item twice in a call, a
 * few calls at once. DynamoDB cancels a call whole and says why for each put: the puts whose condition failed are
 * dropped (someone wrote their item since) and the others sent again at once; a conflict or throttling sends them
 * again after a growing pause; any other reason fails the write. Returns the puts dropped.
 */
export async function transactPutAll(
  groups: readonly (readonly ConditionalPut[])[],
  what: string,
  transact: TransactPuts,
): Promise<ConditionalPut[]> {
  const operation = `DynamoDB TransactWriteItems (${what})`;
  const dropped = await inBatches(transactions(groups), async (batch) => {
    const gone: ConditionalPut[] = [];
    let pending: readonly ConditionalPut[] = batch;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === UNPROCESSED_ROUNDS)
        throw new AwsCallError(operation, new Error(`${pending.length} items cancelled ${round} times`));
      const reasons = await transact(pending).catch((cause: unknown) => {
        throw new AwsCallError(operation, cause);
      });
      if (!reasons) break;
      const next = afterCancellation(pending, reasons, operation);
      gone.push(...next.dropped);
      if (next.pause) await pause(round + 1);
      pending = next.again;
    }
    return gone;
  });
  return dropped.flat();
}

/** The puts of a cancelled call to send again, those dropped (their condition failed), and whether to pause. */
function afterCancellation(puts: readonly ConditionalPut[], reasons: readonly string[], operation: string) {
  const failed = (code: string) => new AwsCallError(operation, new Error(`transaction cancelled: ${code}`));
  if (reasons.length !== puts.length)
    throw failed(`${reasons.length} reasons for ${puts.length} items (${reasons.join(', ')})`);
  const dropped: ConditionalPut[] = [];
  const again: ConditionalPut[] = [];
  let passing = false;
  puts.forEach((put, i) => {
    const reason = reasons[i] ?? 'None';
    if (reason === 'ConditionalCheckFailed' && put.condition) dropped.push(put);
    else if (reason === 'None' || PASSING_REASONS.has(reason)) {
      passing ||= reason !== 'None';
      again.push(put);
    } else throw failed(reason);
  });
  // Cancelled with no reason to drop or wait for: sending the same again would be cancelled the same way.
  if (dropped.length === 0 && !passing) throw failed(reasons.join(', '));
  return { again, dropped, pause: passing };
}

/** The groups packed into transactions: at most 100 items and 4 MB each, no item (pk, sk) twice in one. */
function transactions(groups: readonly (readonly ConditionalPut[])[]): ConditionalPut[][] {
  const calls: ConditionalPut[][] = [];
  let call: ConditionalPut[] = [];
  let bytes = 0;
  let keys = new Set<string>();
  for (const group of groups) {
    const size = group.reduce((sum, p) => sum + dynamoItemSize(p.item), 0);
    const groupKeys = group.map((p) => JSON.stringify([p.item.pk, p.item.sk]));
    const fits =
      call.length + group.length <= TRANSACTION_ITEMS &&
      bytes + size <= TRANSACTION_BYTES &&
      groupKeys.every((k) => !keys.has(k));
    if (!fits && call.length > 0) {
      calls.push(call);
      call = [];
      bytes = 0;
      keys = new Set();
    }
    call.push(...group);
    bytes += size;
    for (const k of groupKeys) keys.add(k);
  }
  if (call.length > 0) calls.push(call);
  return calls;
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Each batch through `send`, a few at a time; the results in the batches' order. */
async function inBatches<T, R>(batches: readonly T[], send: (batch: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < batches.length; i += BATCHES_IN_FLIGHT)
    results.push(...(await Promise.all(batches.slice(i, i + BATCHES_IN_FLIGHT).map(send))));
  return results;
}

/** The pause before another round of unprocessed keys or items: 50 ms, doubling, with jitter. */
function pause(round: number): Promise<void> {
  const ms = 50 * 2 ** (round - 1) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
