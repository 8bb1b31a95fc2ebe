/**
 * The most keys one query carries. PostgreSQL answers `in ($1 … $500)` with one index probe per key, so
 * a bigger batch costs no more per key; the cap only bounds one statement's size and duration.
 */
const MAX_KEYS_PER_QUERY = 500;

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(reason: unknown): void;
}

/**
 * Coalesces concurrent lookups by key into one query (the DataLoader pattern, without its cache).
 * Every key asked for before the event loop's next check phase — in practice, by all the requests
 * parsed from one round of socket reads — is fetched in a single round trip, at most `maxKeys` keys
 * per query; a key asked for twice is fetched once. A lone lookup is a batch of one, sent on the same
 * turn of the loop, so an idle service pays nothing for this.
 *
 * Nothing is cached: each batch is a fresh read, so a lookup never sees data older than a lookup
 * made alone at the same moment. A failed query fails every lookup in its batch with the same error.
 */
export class LookupBatcher<V> {
  private pending = new Map<string, Waiter<V>[]>();
  private scheduled = false;

  /**
   * @param fetch returns the found values by key; keys it leaves out resolve as `undefined`.
   */
  constructor(
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxKeys = MAX_KEYS_PER_QUERY,
  ) {}

  load(key: string): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxKeys) this.send(keys.slice(i, i + this.maxKeys), batch);
  };

  private send(keys: string[], batch: Map<string, Waiter<V>[]>): void {
    let query: Promise<Map<string, V>>;
    try {
      query = this.fetch(keys);
    } catch (err) {
      query = Promise.reject(err);
    }
    query.then(
      (found) => {
        for (const key of keys) for (const waiter of batch.get(key)!) waiter.resolve(found.get(key));
      },
      (err: unknown) => {
        for (const key of keys) for (const waiter of batch.get(key)!) waiter.reject(err);
      },
    );
  }
}

/** Reads by one key, or by several in one query; a key with no row is left out. */
export interface KeyedLookup<V> {
  load(key: string): Promise<V | undefined>;
  loadMany(keys: string[]): Promise<Map<string, V>>;
}

export interface KeyedLookupOptions<V, S = string> {
  /** The statement for one key (`… where k = $1`): every row it returns belongs to that key. */
  one: S;
  /** The statement for several (`… where k = any($1)`, the keys as one array); `keyOf` says whose each row is. */
  many: S;
  keyOf(row: V): string;
  /** Coalesce concurrent lookups (LookupBatcher); false: one query per load or loadMany. */
  batch: boolean;
}

/** A lookup by key over `rows` (which runs a statement with its parameters), coalesced or not. */
export function keyedLookup<V, S = string>(
  rows: (statement: S, params: unknown[]) => Promise<V[]>,
  { one, many, keyOf, batch }: KeyedLookupOptions<V, S>,
): KeyedLookup<V> {
  const fetch = async (keys: string[]): Promise<Map<string, V>> =>
    keys.length === 1
      ? new Map((await rows(one, keys)).map((row) => [keys[0], row]))
      : new Map((await rows(many, [keys])).map((row) => [keyOf(row), row]));
  if (!batch) return { load: async (key) => (await fetch([key])).get(key), loadMany: fetch };
  const batcher = new LookupBatcher<V>(fetch);
  const load = (key: string) => batcher.load(key);
  return {
    load,
    async loadMany(keys) {
      const values = await Promise.all(keys.map(load));
      const found = new Map<string, V>();
      keys.forEach((key, i) => values[i] !== undefined && found.set(key, values[i]!));
      return found;
    },
  };
}
