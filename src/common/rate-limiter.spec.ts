import { FixedWindowRateLimiter } from './rate-limiter';

const WINDOW_MS = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

describe('FixedWindowRateLimiter', () => {
  it('allows `limit` attempts per window, then refuses and keeps counting refused ones', () => {
    const limiter = new FixedWindowRateLimiter(3, WINDOW_MS);
    expect([1, 2, 3].map(() => limiter.hit('10.0.0.1', T0).allowed)).toEqual([true, true, true]);
    expect(limiter.hit('10.0.0.1', T0 + 1_000)).toEqual({ allowed: false, retryAfterSeconds: 59 });
    expect(limiter.hit('10.0.0.1', T0 + 59_500)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('counts each client IP separately', () => {
    const limiter = new FixedWindowRateLimiter(1, WINDOW_MS);
    expect(limiter.hit('10.0.0.1', T0).allowed).toBe(true);
    expect(limiter.hit('10.0.0.1', T0).allowed).toBe(false);
    expect(limiter.hit('10.0.0.2', T0).allowed).toBe(true);
    expect(limiter.hit('2001:db8::1', T0).allowed).toBe(true);
  });

  it('starts a fresh window once the previous one has ended', () => {
    const limiter = new FixedWindowRateLimiter(1, WINDOW_MS);
    limiter.hit('10.0.0.1', T0);
    expect(limiter.hit('10.0.0.1', T0 + WINDOW_MS - 1).allowed).toBe(false);
    expect(limiter.hit('10.0.0.1', T0 + WINDOW_MS)).toEqual({ allowed: true, retryAfterSeconds: 60 });
  });

  it('forgets clients whose window has ended', () => {
    const limiter = new FixedWindowRateLimiter(5, WINDOW_MS);
    for (let i = 0; i < 100; i++) limiter.hit(`10.0.0.${i}`, T0 + i);
    expect(limiter.size).toBe(100);
    limiter.hit('10.0.1.1', T0 + WINDOW_MS + 50);
    expect(limiter.size).toBe(50); // 10.0.0.0–50 ended; 51–99 and the newcomer remain
    limiter.hit('10.0.1.2', T0 + 3 * WINDOW_MS);
    expect(limiter.size).toBe(1);
  });

  it('never tracks more than maxKeys clients: the oldest window goes first', () => {
    const limiter = new FixedWindowRateLimiter(1, WINDOW_MS, 3);
    for (const ip of ['a', 'b', 'c']) limiter.hit(ip, T0);
    expect(limiter.hit('c', T0).allowed).toBe(false);
    limiter.hit('d', T0);
    expect(limiter.size).toBe(3);
    expect(limiter.hit('c', T0).allowed).toBe(false); // still tracked
    expect(limiter.hit('a', T0).allowed).toBe(true); // evicted, so counted afresh (evicting b)
    expect(limiter.size).toBe(3);
  });
});
