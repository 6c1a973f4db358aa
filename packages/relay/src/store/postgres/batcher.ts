import { isUnavailable } from './errors.js';

/**
 * Group commit on PostgreSQL (the twin of `sqlite/group-commit.ts`, ADR 0013): writes that arrive
 * while earlier ones are on their way to the server wait, and go together as one statement — one
 * round trip, one plan, one commit — when a statement slot frees. Each caller's promise settles
 * once that statement has committed, so no `202` is sent before its own row is durable.
 *
 * At low load nothing waits: a write finds a free slot and goes on the next turn of the event loop
 * (the writes of that turn go with it). Under load the batches grow by themselves to what arrives
 * during one statement's round trip, which is what keeps the pool, the server's backends and the
 * WAL flushes from being the limit.
 *
 * If a batch fails for a reason other than the database being unreachable, each write is retried
 * alone, so one bad write cannot fail the others. When the database is unreachable, every write in
 * the batch gets that error (each alone would too).
 */
export interface Batcher<I, O> {
  (item: I): Promise<O>;
  /** Settles when every write handed in so far has settled. */
  drain: () => Promise<void>;
}

export interface BatcherOptions<I> {
  /** Statements in flight at once (each holds one pool connection while it runs). */
  slots: number;
  /** Writes in one statement at most. */
  maxBatch: number;
  /**
   * Whether two items may share a statement; an item that conflicts with one already in the
   * batch waits for the next one (two writes of one idempotency key, say).
   */
  key?: (item: I) => string | null;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

/** The next statement's writes (at most `maxBatch`, no two with one key), and those left waiting. */
function take<I, O>(
  waiting: Array<Pending<I, O>>,
  maxBatch: number,
  key: ((item: I) => string | null) | undefined,
): [Array<Pending<I, O>>, Array<Pending<I, O>>] {
  if (!key && waiting.length <= maxBatch) return [waiting, []];
  const batch: Array<Pending<I, O>> = [];
  const rest: Array<Pending<I, O>> = [];
  const keys = new Set<string>();
  for (const p of waiting) {
    const k = key?.(p.item) ?? null;
    if (batch.length >= maxBatch || (k !== null && keys.has(k))) {
      rest.push(p);
      continue;
    }
    if (k !== null) keys.add(k);
    batch.push(p);
  }
  return [batch, rest];
}

export function createBatcher<I, O>(
  runBatch: (items: I[]) => Promise<O[]>,
  runOne: (item: I) => Promise<O>,
  options: BatcherOptions<I>,
): Batcher<I, O> {
  const { slots, maxBatch, key } = options;
  let waiting: Array<Pending<I, O>> = [];
  let inFlight = 0;
  let scheduled = false;
  const idle: Array<() => void> = [];

  const settleAlone = (batch: Array<Pending<I, O>>) =>
    Promise.all(batch.map((p) => runOne(p.item).then(p.resolve, p.reject)));

  const run = async (batch: Array<Pending<I, O>>) => {
    try {
      if (batch.length === 1) {
        const only = batch[0]!;
        await runOne(only.item).then(only.resolve, only.reject);
        return;
      }
      let results: O[];
      try {
        results = await runBatch(batch.map((p) => p.item));
      } catch (error) {
        if (isUnavailable(error)) {
          for (const p of batch) p.reject(error);
        } else {
          await settleAlone(batch);
        }
        return;
      }
      batch.forEach((p, i) => p.resolve(results[i]!));
    } finally {
      inFlight -= 1;
      pump();
    }
  };

  function pump(): void {
    while (inFlight < slots && waiting.length > 0) {
      const [batch, rest] = take(waiting, maxBatch, key);
      waiting = rest;
      inFlight += 1;
      void run(batch);
    }
    if (inFlight === 0 && waiting.length === 0) for (const done of idle.splice(0)) done();
  }

  const batcher = ((item: I) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      // The writes of this turn of the event loop go together.
      if (!scheduled && inFlight < slots) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      }
    })) as Batcher<I, O>;

  batcher.drain = () =>
    inFlight === 0 && waiting.length === 0 ? Promise.resolve() : new Promise<void>((done) => idle.push(done));
  return batcher;
}
