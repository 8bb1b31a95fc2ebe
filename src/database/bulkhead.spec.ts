import { Bulkhead } from './bulkhead';

/** A run that lasts until `finish()` is called; `started` tells whether it began. */
function pending() {
  let finish!: () => void;
  const state = { started: false };
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { state, finish, work: async () => ((state.started = true), await done, 'ran') };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  it('runs up to the limit at once, then the waiters in arrival order as slots free', async () => {
    const bulkhead = new Bulkhead(2, 10_000, () => new Error('timeout'));
    const [a, b, c, d] = [pending(), pending(), pending(), pending()];
    const runs = [a, b, c, d].map((p) => bulkhead.run(p.work));
    await tick();
    expect([a, b, c, d].map((p) => p.state.started)).toEqual([true, true, false, false]);
    b.finish();
    await tick();
    expect([c, d].map((p) => p.state.started)).toEqual([true, false]);
    a.finish();
    await tick();
    expect(d.state.started).toBe(true);
    c.finish();
    d.finish();
    await expect(Promise.all(runs)).resolves.toEqual(['ran', 'ran', 'ran', 'ran']);
  });

  it('fails a waiter with onTimeout() after timeoutMs, without running it, and keeps the slot count right', async () => {
    const bulkhead = new Bulkhead(1, 50, () => new Error('no slot within 50 ms'));
    const holder = pending();
    const held = bulkhead.run(holder.work);
    const late = pending();
    await expect(bulkhead.run(late.work)).rejects.toThrow('no slot within 50 ms');
    expect(late.state.started).toBe(false);
    holder.finish();
    await held;
    // The slot is free again: a new run starts at once, and a failing run frees its slot too.
    await expect(bulkhead.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.run(async () => 'next')).resolves.toBe('next');
  });
});
