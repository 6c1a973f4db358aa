/**
 * Group commit: writes requested close together are applied together in one SQLite transaction,
 * and each caller's promise settles once that transaction has committed. A transaction costs a
 * fixed tens of microseconds (WAL frames for every page it touched, the WAL index), so N writes in
 * one transaction cost a fraction of N transactions, while no caller is answered before its own
 * row is on disk.
 *
 * By default the batch is one turn of the event loop (flushed on `setImmediate`). With
 * `windowMs`, writes whose callers can wait a little (the worker's records of finished
 * deliveries) gather for up to that long, or until `maxBatch` are waiting.
 *
 * If the batch fails as a whole, each write is retried alone, so one bad write cannot fail the
 * others.
 *
 * With `direct`, nothing is batched: each write runs alone at once. Repositories bound to a unit of
 * work (`store.transaction`) write that way, inside the unit's transaction.
 */
export interface GroupCommit<I, O> {
  (item: I): Promise<O>;
  /**
   * Runs the waiting writes inside another transaction now: `run` gets their items, must apply
   * them (in order) and return their results with its own value. Used to record finished
   * deliveries in the same transaction as the next claim.
   */
  joinWith<R>(run: (items: I[]) => { results: O[]; value: R }, alone: () => R): R;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit<I, O>(
  runBatch: (items: I[]) => O[],
  runOne: (item: I) => O,
  options: { windowMs?: number; maxBatch?: number; direct?: boolean } = {},
): GroupCommit<I, O> {
  const { windowMs = 0, maxBatch = 256 } = options;
  if (options.direct) {
    const now = ((item: I) => new Promise<O>((resolve) => resolve(runOne(item)))) as GroupCommit<I, O>;
    now.joinWith = (_run, alone) => alone();
    return now;
  }
  let pending: Array<Pending<I, O>> = [];
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;

  const take = () => {
    const batch = pending;
    pending = [];
    if (timer) clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
    timer = null;
    immediate = null;
    return batch;
  };
  const settleAlone = (batch: Array<Pending<I, O>>) => {
    for (const p of batch) {
      try {
        p.resolve(runOne(p.item));
      } catch (error) {
        p.reject(error);
      }
    }
  };
  const flush = () => {
    const batch = take();
    if (batch.length === 0) return;
    try {
      const results = runBatch(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch {
      settleAlone(batch);
    }
  };

  const commit = ((item: I) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length >= maxBatch) {
        if (!immediate) immediate = setImmediate(flush);
      } else if (pending.length === 1) {
        if (windowMs > 0) {
          // Not unref'd: a stopping relay waits for these records.
          timer = setTimeout(flush, windowMs);
        } else {
          immediate = setImmediate(flush);
        }
      }
    })) as GroupCommit<I, O>;

  commit.joinWith = (run, alone) => {
    const batch = take();
    if (batch.length === 0) return alone();
    let outcome: { results: O[]; value: unknown };
    try {
      outcome = run(batch.map((p) => p.item));
    } catch {
      // The joint transaction rolled back: the waiting writes go alone, then the caller's.
      settleAlone(batch);
      return alone();
    }
    batch.forEach((p, i) => p.resolve(outcome.results[i]!));
    return outcome.value as ReturnType<typeof alone>;
  };
  return commit;
}
