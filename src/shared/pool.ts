// Bounded concurrency: many independent requests at once, but never more than `limit` in
// flight, so 500 deletions neither crawl one by one nor flood the API server's
// priority-and-fairness queues.

/** Calls `fn` on every item with at most `limit` calls pending; answers results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
