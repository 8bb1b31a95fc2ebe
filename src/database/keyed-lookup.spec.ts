import { coalescingLoader, keyedLookup } from './keyed-lookup';

/** A fetch that records each call and answers from `table`. */
function recordingFetch(table: Record<string, string>) {
  const calls: string[][] = [];
  const fetch = async (keys: string[]) => {
    calls.push(keys);
    return new Map(keys.filter((k) => k in table).map((k) => [k, table[k]]));
  };
  return { calls, fetch };
}

const nextCheckPhase = () => new Promise((resolve) => setImmediate(resolve));

describe('coalescingLoader', () => {
  it('answers lookups made in the same turn of the event loop with one fetch, each with its own value', async () => {
    const { calls, fetch } = recordingFetch({ a: 'A', b: 'B' });
    const loader = coalescingLoader(fetch);
    const answers = await Promise.all([loader.load('a'), loader.load('b'), loader.load('missing')]);
    expect(answers).toEqual(['A', 'B', undefined]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
  });

  it('fetches a key asked for twice once, and answers both', async () => {
    const { calls, fetch } = recordingFetch({ a: 'A' });
    const loader = coalescingLoader(fetch);
    expect(await Promise.all([loader.load('a'), loader.load('a')])).toEqual(['A', 'A']);
    expect(calls).toEqual([['a']]);
  });

  it('collects lookups made from separate callbacks of one I/O round, not only one promise chain', async () => {
    const { calls, fetch } = recordingFetch({ a: 'A', b: 'B' });
    const loader = coalescingLoader(fetch);
    // Two requests parsed from two sockets: separate macrotasks, each with its own microtasks.
    const first = new Promise((resolve) => setImmediate(() => void Promise.resolve().then(() => resolve(loader.load('a')))));
    const second = new Promise((resolve) => setImmediate(() => resolve(loader.load('b'))));
    expect(await Promise.all([first, second])).toEqual(['A', 'B']);
    expect(calls).toEqual([['a', 'b']]);
  });

  it('sends later lookups in a new batch: nothing is cached between batches', async () => {
    const table: Record<string, string> = { a: 'old' };
    const { calls, fetch } = recordingFetch(table);
    const loader = coalescingLoader(fetch);
    expect(await loader.load('a')).toBe('old');
    table.a = 'new';
    await nextCheckPhase();
    expect(await loader.load('a')).toBe('new');
    expect(calls).toEqual([['a'], ['a']]);
  });

  it('splits a batch at maxKeys', async () => {
    const { calls, fetch } = recordingFetch({ k0: '0', k4: '4' });
    const loader = coalescingLoader(fetch, 2);
    const answers = await Promise.all(['k0', 'k1', 'k2', 'k3', 'k4'].map((k) => loader.load(k)));
    expect(answers).toEqual(['0', undefined, undefined, undefined, '4']);
    expect(calls).toEqual([['k0', 'k1'], ['k2', 'k3'], ['k4']]);
  });

  it('fails every lookup of a failed fetch with its error, and the next batch works again', async () => {
    let fail = true;
    const loader = coalescingLoader(async (keys: string[]) => {
      if (fail) throw new Error('database not available');
      return new Map(keys.map((k) => [k, k.toUpperCase()]));
    });
    const failed = await Promise.allSettled([loader.load('a'), loader.load('b')]);
    expect(failed.map((r) => r.status === 'rejected' && (r.reason as Error).message)).toEqual([
      'database not available',
      'database not available',
    ]);
    fail = false;
    expect(await loader.load('a')).toBe('A');
  });

  it('turns a fetch that throws synchronously into rejected lookups with its own error, not an uncaught exception', async () => {
    const thrown = new Error('bad statement');
    const loader = coalescingLoader<string>(() => {
      throw thrown;
    });
    await expect(loader.load('a')).rejects.toBe(thrown);
  });

  it('carries at most 500 keys per fetch by default', async () => {
    const { calls, fetch } = recordingFetch({});
    const loader = coalescingLoader(fetch);
    await Promise.all(Array.from({ length: 1001 }, (_, i) => loader.load(`k${i}`)));
    expect(calls.map((keys) => keys.length)).toEqual([500, 500, 1]);
  });
});

describe('keyedLookup', () => {
  const ROWS = [
    { k: 'a', v: 1 },
    { k: 'b', v: 2 },
  ];
  /** A fake `rows`: the one-key statement binds the key, the many-key one binds the list. */
  function fakeRows() {
    const sent: { sql: string; params: unknown[] }[] = [];
    const rows = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
      sent.push({ sql, params });
      const keys = sql === 'ONE' ? [params[0]] : (params[0] as string[]);
      return ROWS.filter((r) => keys.includes(r.k)) as T[];
    };
    return { sent, rows };
  }
  const options = { one: 'ONE', many: 'MANY', keyOf: (r: { k: string }) => r.k };

  it.each([true, false])('batch=%s: a lone key goes out as the one-key statement', async (batch) => {
    const { sent, rows } = fakeRows();
    const lookup = keyedLookup<{ k: string; v: number }>(rows, { ...options, batch });
    expect(await lookup.load('b')).toEqual({ k: 'b', v: 2 });
    expect(await lookup.load('zz')).toBeUndefined();
    expect(sent).toEqual([
      { sql: 'ONE', params: ['b'] },
      { sql: 'ONE', params: ['zz'] },
    ]);
  });

  it.each([true, false])('batch=%s: loadMany is one many-key statement and leaves misses out', async (batch) => {
    const { sent, rows } = fakeRows();
    const lookup = keyedLookup<{ k: string; v: number }>(rows, { ...options, batch });
    const found = await lookup.loadMany(['b', 'nope', 'a']);
    expect(Object.fromEntries(found)).toEqual({ a: { k: 'a', v: 1 }, b: { k: 'b', v: 2 } });
    expect(sent).toEqual([{ sql: 'MANY', params: [['b', 'nope', 'a']] }]);
  });

  it('batch=true: concurrent loads and loadMany share one statement', async () => {
    const { sent, rows } = fakeRows();
    const lookup = keyedLookup<{ k: string; v: number }>(rows, { ...options, batch: true });
    const [one, many] = await Promise.all([lookup.load('a'), lookup.loadMany(['a', 'b'])]);
    expect(one).toEqual({ k: 'a', v: 1 });
    expect(many.size).toBe(2);
    expect(sent).toEqual([{ sql: 'MANY', params: [['a', 'b']] }]);
  });

  it('batch=false: concurrent loads each send their own statement', async () => {
    const { sent, rows } = fakeRows();
    const lookup = keyedLookup<{ k: string; v: number }>(rows, { ...options, batch: false });
    await Promise.all([lookup.load('a'), lookup.load('b')]);
    expect(sent.map((s) => s.sql)).toEqual(['ONE', 'ONE']);
  });
});
