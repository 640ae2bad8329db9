// Bounded concurrency for maintenance's walks over a table's history: reading
// hundreds of manifest lists and manifests (or deleting the files expiry
// freed) one at a time waits one object-store round trip per file; a few in
// flight overlap them. The bound keeps memory (each read holds its file's
// bytes until decoded) and the store's load predictable.

/**
 * Files a maintenance walk reads (or deletes) at once, per walk. Manifests are
 * at most commit.manifest.target-size-bytes (8 MiB by default), so a walk
 * holds at most 16 of them undecoded.
 */
export const MAINTENANCE_IO_CONCURRENCY = 16;

/**
 * `fn` applied to every item with at most `limit` calls in flight, the results
 * in the items' order. Calls start in item order. After a call fails no new
 * call starts; the map rejects with the first failure once the calls already
 * in flight have settled (nothing of it keeps running after it returned).
 */
export async function mapConcurrently<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be an integer >= 1, got ${limit}`);
  const all = [...items];
  const results = new Array<R>(all.length);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < all.length) {
      const index = next++;
      try {
        results[index] = await fn(all[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, all.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

/** `fn` on every item, at most `limit` at once, for its effect (mapConcurrently's rules). */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  await mapConcurrently(items, limit, fn);
}
