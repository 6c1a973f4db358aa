/**
 * Group commit: writes requested during one turn of the event loop are applied together in one
 * SQLite transaction on the next turn, and each caller's promise settles once that transaction
 * has committed. A WAL commit writes every page it touched, so N messages in one transaction cost
 * a fraction of N transactions (the pages of the tables and indexes are shared), while no caller
 * is answered before its own row is on disk.
 *
 * If the batch fails as a whole, each write is retried alone, so one bad write cannot fail the
 * others.
 */
export function createGroupCommit<I, O>(runBatch: (items: I[]) => O[], runOne: (item: I) => O): (item: I) => Promise<O> {
  let pending: Array<{ item: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    try {
      const results = runBatch(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch {
      for (const p of batch) {
        try {
          p.resolve(runOne(p.item));
        } catch (error) {
          p.reject(error);
        }
      }
    }
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ item, resolve, reject });
    });
}
