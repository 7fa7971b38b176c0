/**
 * `work` over every item, at most `limit` at a time, results in the items' order (p-map's contract, which
 * the project does not carry: its current major is ESM-only and one loop does it). The first rejection
 * rejects the whole, after the items already started have settled: nothing is left running behind a
 * failed run. Work that must not fail the batch catches its own errors.
 */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (next < items.length && !failure) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
  return results;
}
