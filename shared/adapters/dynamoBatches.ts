import { AwsCallError } from '../errors';

/** DynamoDB's own limits: keys per BatchGetItem, items per BatchWriteItem. */
const BATCH_GET_KEYS = 100;
const BATCH_WRITE_ITEMS = 25;
/** Batched calls of one read or write in flight at once. */
const BATCHES_IN_FLIGHT = 4;
/** Rounds for the keys or items DynamoDB leaves unprocessed (throttled), with a growing pause between. */
const UNPROCESSED_ROUNDS = 6;

type Item = Record<string, unknown>;

/** One BatchGetItem call: the items found, and the keys DynamoDB left unprocessed. */
export type BatchGet = (keys: Item[]) => Promise<{ found: Item[]; unprocessed: Item[] }>;
/** One BatchWriteItem call of puts: the items DynamoDB left unprocessed. */
export type BatchPut = (items: Item[]) => Promise<Item[]>;

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
