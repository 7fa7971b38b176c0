import { AwsCallError, PartialWriteError, type WriteTally } from '../errors';
import { inParallel } from '../inParallel';
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
  const jobs = chunked(keys, BATCH_GET_KEYS).map((batch) => async () => {
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
  return valuesOf(await pooled(jobs)).flat();
}

/** Items put unconditionally: 25 a BatchWriteItem call (`put`, the caller's). `what` names them in errors. */
export interface PlainPuts {
  readonly items: readonly Item[];
  readonly what: string;
  readonly put: BatchPut;
}

/**
 * Groups of puts, each put under its condition when it has one: 100 items and 4 MB a TransactWriteItems call
 * (`transact`, the caller's), a group never split, no item twice in a call.
 */
export interface ConditionedPuts {
  readonly groups: readonly (readonly ConditionalPut[])[];
  readonly what: string;
  readonly transact: TransactPuts;
}

/**
 * Every put of both kinds, in one pool of calls (a few at once, whichever kind): plain items by BatchWriteItem,
 * those DynamoDB leaves unprocessed sent again after a growing pause; conditioned ones by TransactWriteItems,
 * where a conditioned put lands only while its condition holds. DynamoDB cancels a transaction whole and says
 * why for each put: the puts whose condition failed are dropped (someone wrote their item since) and the
 * others sent again at once; a conflict or throttling sends them again after a growing pause; any other reason
 * fails the write. Returns the puts dropped.
 *
 * Once a call fails, no other starts, and those under way are waited for (none is left writing after this
 * returns). Puts all of one kind fail with their call's AwsCallError; puts of both kinds with a
 * PartialWriteError, which says what each kind's calls did: went through, failed or were never sent.
 */
export async function putAll(puts: {
  readonly plain?: PlainPuts;
  readonly conditioned?: ConditionedPuts;
}): Promise<ConditionalPut[]> {
  const { plain, conditioned } = puts;
  // The transactions first: a cancelled one goes again, so it has the longer way to go.
  const transacting = conditioned
    ? transactions(conditioned.groups).map((b) => transactJob(b, conditioned))
    : [];
  const putting = plain ? chunked(plain.items, BATCH_WRITE_ITEMS).map((b) => putJob(b, plain)) : [];
  const outcomes = await pooled([...transacting, ...putting]);
  const bothKinds = transacting.length > 0 && putting.length > 0;
  if (!conditioned || !plain || !bothKinds || outcomes.every((o) => 'value' in o))
    return valuesOf(outcomes).flat();
  throw new PartialWriteError([
    tally(
      conditioned.what,
      conditioned.groups.flat().length,
      'TransactWriteItems',
      outcomes.slice(0, transacting.length),
    ),
    tally(plain.what, plain.items.length, 'BatchWriteItem', outcomes.slice(transacting.length)),
  ]);
}

/** One BatchWriteItem call of plain puts, with its rounds for the items left unprocessed; none dropped. */
function putJob(batch: Item[], { what, put }: PlainPuts): Job<ConditionalPut[]> {
  const operation = `DynamoDB BatchWriteItem (${what})`;
  return async () => {
    let pending: Item[] = batch;
    for (let round = 0; pending.length > 0; round += 1) {
      if (round === UNPROCESSED_ROUNDS)
        throw new AwsCallError(operation, new Error(`${pending.length} items left unprocessed`));
      if (round > 0) await pause(round);
      pending = await put(pending).catch((cause: unknown) => {
        throw new AwsCallError(operation, cause);
      });
    }
    return [];
  };
}

/** One TransactWriteItems call, sent again as its cancellations say; the puts it dropped. */
function transactJob(
  batch: readonly ConditionalPut[],
  { what, transact }: ConditionedPuts,
): Job<ConditionalPut[]> {
  const operation = `DynamoDB TransactWriteItems (${what})`;
  return async () => {
    const gone: ConditionalPut[] = [];
    let pending = batch;
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
  };
}

/** What one kind's calls did, for a PartialWriteError. */
function tally(
  what: string,
  items: number,
  operation: string,
  outcomes: readonly Outcome<unknown>[],
): WriteTally {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const error = outcomes.find((o): o is { error: unknown } => 'error' in o)?.error;
  return {
    what: `${what} (${plural(items, 'item')}, ${plural(outcomes.length, `${operation} call`)})`,
    calls: outcomes.length,
    written: outcomes.filter((o) => 'value' in o).length,
    failed: outcomes.filter((o) => 'error' in o).length,
    ...(error !== undefined ? { error } : {}),
  };
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

/** One call's work, its rounds included. */
type Job<R> = () => Promise<R>;
/** How a job of a pool ended: its value, its error, or never started (a job failed before its turn). */
type Outcome<R> = { readonly value: R } | { readonly error: unknown } | { readonly unsent: true };

/**
 * The jobs in order, a few at once (inParallel: the next starts as one ends; once one fails, no other starts, and
 * the ones under way are waited for, so nothing is still writing when this returns), with how each ended.
 */
async function pooled<R>(jobs: readonly Job<R>[]): Promise<Outcome<R>[]> {
  const outcomes: Outcome<R>[] = jobs.map(() => ({ unsent: true }));
  await inParallel(jobs, BATCHES_IN_FLIGHT, async (job, i) => {
    try {
      outcomes[i] = { value: await job() };
    } catch (error) {
      outcomes[i] = { error };
      throw error;
    }
  }).catch(() => {
    // Each failure is in its outcome: the caller says what each kind's calls did.
  });
  return outcomes;
}

/** Every job's value, or the first error. */
function valuesOf<R>(outcomes: readonly Outcome<R>[]): R[] {
  const failure = outcomes.find((o): o is { error: unknown } => 'error' in o);
  if (failure) throw failure.error;
  return outcomes.flatMap((o) => ('value' in o ? [o.value] : []));
}

/** The pause before another round of unprocessed keys or items: 50 ms, doubling, with jitter. */
function pause(round: number): Promise<void> {
  const ms = 50 * 2 ** (round - 1) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
