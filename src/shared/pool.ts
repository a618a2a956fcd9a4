// Bounded concurrency: many independent requests at once, but never more than `limit` in
// flight, so 500 deletions neither crawl one by one nor flood the API server's
// priority-and-fairness queues. The first refusal stops the batch: the calls already in
// flight run to their end (a request sent cannot be called back) and are answered, and no
// new call starts, so a caller can record every action that reached the server.

/**
 * Calls `fn` on the items in order with at most `limit` calls pending; after the first
 * rejection no call starts. Answers the outcome of every call started, in item order:
 * always a prefix of `items`, so `items.length - answer.length` were never started.
 */
export async function settleLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const settled: PromiseSettledResult<R>[] = [];
  let next = 0;
  let stopped = false;
  const worker = async (): Promise<void> => {
    while (!stopped && next < items.length) {
      const index = next++;
      try {
        settled[index] = { status: 'fulfilled', value: await fn(items[index] as T, index) };
      } catch (reason) {
        stopped = true;
        settled[index] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return settled;
}

/**
 * Calls `fn` on every item with at most `limit` calls pending; answers results in order.
 * After a rejection no call starts, and once the calls in flight end the rejection of the
 * earliest failed item is thrown.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const settled = await settleLimit(items, limit, fn);
  const failure = settled.find((s) => s.status === 'rejected');
  if (failure) throw failure.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
}
