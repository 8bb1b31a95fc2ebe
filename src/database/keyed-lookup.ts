import DataLoader from 'dataloader';

/**
 * The most keys one query carries. PostgreSQL answers `= any($1)` with one index probe per key, so a
 * bigger batch costs no more per key; the cap only bounds one statement's size and duration.
 */
const MAX_KEYS_PER_QUERY = 500;

/**
 * A DataLoader that coalesces concurrent lookups by key into one fetch, without its cache. Every key
 * asked for before the event loop's next check phase (`setImmediate`) — in practice, by all the
 * requests parsed from one round of socket reads — is fetched in one round trip, at most `maxKeys`
 * loads per fetch; a key asked for twice in a batch is fetched once. A lone lookup is a batch of one,
 * sent on the same turn of the loop, so an idle service pays nothing for this.
 *
 * Nothing is cached (`cache: false`): each batch is a fresh read, so a lookup never sees data older
 * than a lookup made alone at the same moment. A failed fetch fails every lookup in its batch with
 * its own error. It replaced a home-made batcher at the same cost (docs/performance.md, "DataLoader").
 *
 * @param fetch returns the found values by key; keys it leaves out resolve as `undefined`.
 */
export function coalescingLoader<V>(
  fetch: (keys: string[]) => Promise<Map<string, V>>,
  maxKeys = MAX_KEYS_PER_QUERY,
): DataLoader<string, V | undefined> {
  return new DataLoader<string, V | undefined>(
    // async: a fetch that throws synchronously rejects its batch with its own error, not DataLoader's TypeError.
    async (keys) => {
      const found = await fetch([...new Set(keys)]);
      return keys.map((key) => found.get(key));
    },
    { cache: false, maxBatchSize: maxKeys, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
  );
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
  /** Coalesce concurrent lookups (coalescingLoader); false: one query per load or loadMany. */
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
  const loader = coalescingLoader<V>(fetch);
  const load = (key: string) => loader.load(key);
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
