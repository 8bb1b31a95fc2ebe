import { currentTarget } from './support/pg-target';
import { Client } from 'pg';
import { connect } from 'node:net';
import request from 'supertest';
import { SECRET_HEADER } from './support/admin-client';
import { COMPILED_MAIN, ensureBuild, freePort, spawnNode } from './support/app-process';
import { signIn, SignedIn } from './support/auth';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { appBehindProxy } from './support/test-app';

// Needs two real concurrent sessions (a row lock held against the app, or a second pool): the
// embedded PGlite multiplexes connections onto one session, so these run against a server only.
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

/** Breaks things on purpose: the database vanishes mid-load, the process is stopped mid-load. */

const CONNECT_TIMEOUT_MS = 1000;
const ANSWER_BOUND_MS = CONNECT_TIMEOUT_MS + 4000; // connect timeout plus a margin for a loaded machine

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Outcome {
  kind: 'write' | 'read';
  address: string;
  body: Record<string, unknown> | null;
  status: number;
  json: { error?: string } | null;
  retryAfter: string | null;
  ms: number;
}

describe('database outage under load', () => {
  const ctx = appBehindProxy({ DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS), DATABASE_POOL_MAX: '4' });

  async function send(kind: Outcome['kind'], addr: string, body: Record<string, unknown> | null, token = ''): Promise<Outcome> {
    const started = Date.now();
    const res = await fetch(kind === 'write' ? `${ctx.t.url}/api/profile` : `${ctx.t.url}/api/profile/${addr}`, {
      method: kind === 'write' ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return {
      kind,
      address: addr,
      body,
      status: res.status,
      json: text ? JSON.parse(text) : null,
      retryAfter: res.headers.get('retry-after'),
      ms: Date.now() - started,
    };
  }

  it('answers 2xx or 503 within the bound, recovers without a restart, and loses or half-writes nothing', async () => {
    // Sessions are minted before the load: each write creates the profile of a signed-in wallet.
    const wallets: SignedIn[] = [];
    while (wallets.length < 400) wallets.push(...(await Promise.all(Array.from({ length: 20 }, () => signIn(ctx.t.url)))));
    const outcomes: Outcome[] = [];
    let phase: 'before' | 'cut' | 'after' = 'before';
    let n = 0;
    const stopAt = { value: Number.POSITIVE_INFINITY };

    // 8 clients, each sending writes and reads back to back until told to stop. Once every wallet has
    // written, the writes start again from the first (the same body, an update): a fast machine gets
    // through 400 wallets before the cut, and the load must straddle the outage.
    const clients = Array.from({ length: 8 }, async () => {
      while (Date.now() < stopAt.value) {
        const i = n++ % wallets.length;
        const { address: addr, token } = wallets[i];
        const write = { address: addr, nickname: `Load${i}`, avatar: { style: 'bottts', selection: 'other', variant: i } };
        outcomes.push(await send('write', addr, write, token));
        outcomes.push(await send('read', addr, null));
      }
    });

    await sleep(800);
    phase = 'cut';
    ctx.proxy.cut();
    await sleep(300);
    const readyDuringCut = await fetch(`${ctx.t.url}/health/ready`);
    expect(readyDuringCut.status).toBe(503);
    expect(await readyDuringCut.json()).toMatchObject({ error: 'Database not available' });
    await sleep(2000);

    ctx.proxy.restore();
    phase = 'after';
    const restoredAt = Date.now();
    let servingAgainAfterMs = -1;
    while (Date.now() - restoredAt < 5000) {
      const res = await fetch(`${ctx.t.url}/health/ready`);
      if (res.status === 200) {
        servingAgainAfterMs = Date.now() - restoredAt;
        break;
      }
      await sleep(100);
    }
    expect(servingAgainAfterMs).toBeGreaterThanOrEqual(0); // back within 5 s, no restart
    stopAt.value = Date.now() + 800;
    await Promise.all(clients);
    expect(phase).toBe('after');

    const statuses = new Map<number, number>();
    for (const o of outcomes) statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    // The load really straddled the outage: successes and 503s both happened.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(503) ?? 0).toBeGreaterThan(0);
    for (const o of outcomes) {
      expect([200, 201, 404, 503]).toContain(o.status);
      expect(o.ms).toBeLessThan(ANSWER_BOUND_MS);
      if (o.status === 503) {
        expect(o.json).toEqual({ error: 'Database not available' });
        expect(o.retryAfter).toMatch(/^\d+$/);
      }
    }

    // Every write answered 201 is stored, whole; a write answered 503 left nothing or the whole row.
    const rows = await ctx.db.query<{ address: string; nickname: string; avatar_style: string; avatar_variant: number }>(
      'select address, nickname, avatar_style, avatar_variant from profiles',
    );
    const stored = new Map(rows.map((r) => [r.address, r]));
    for (const o of outcomes.filter((x) => x.kind === 'write')) {
      const row = stored.get(o.address);
      if (o.status === 201) expect(row).toBeDefined();
      if (row) {
        expect(row.nickname).toBe(o.body!.nickname);
        expect(row.avatar_style).toBe('bottts');
        expect(row.avatar_variant).toBe((o.body!.avatar as { variant: number }).variant);
      }
    }
  }, 60_000);
});

describeOnServer('SIGTERM while 100 requests are in flight', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    ensureBuild();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('completes every request, refuses new connections, and exits 0', async () => {
    const port = await freePort();
    const app = spawnNode(COMPILED_MAIN, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_CONNECT_TIMEOUT_MS: '20000', // requests queue for the pool while the row is locked
      DATABASE_LOCK_TIMEOUT_MS: '0', // ...and wait on the row as long as the test holds it, however slow the machine
      RATE_LIMIT_WRITES: '100000',
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await app.waitFor(`${base}/health/ready`);
      const owner = await signIn(base);
      const addr = owner.address;
      const created = await fetch(`${base}/api/profile`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...owner.headers },
        body: JSON.stringify({ address: addr, nickname: 'Drain' }),
      });
      expect(created.status).toBe(201);

      // Hold the row so every write to it waits inside the app: 100 requests really in flight.
      const locker = new Client({ connectionString: db.url });
      await locker.connect();
      await locker.query('begin');
      await locker.query('select * from profiles where address = $1 for update', [addr]);
      const inFlight = Array.from({ length: 100 }, (_, i) =>
        fetch(`${base}/api/profile`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...owner.headers },
          body: JSON.stringify({ address: addr, nickname: 'Drain', avatar: { style: 'avataaars', selection: 'male', variant: i } }),
        }).then((res) => res.status),
      );
      // Wait until the app's connections are blocked on the lock (bounded poll).
      for (let i = 0; i < 100; i++) {
        const [{ waiting }] = (await locker.query(
          `select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        )).rows;
        if (waiting > 0) break;
        await sleep(50);
      }
      // ...and the other requests are read by the server (a connection accepted but not yet read is
      // idle, and closing idle connections is what a graceful stop does).
      await sleep(1000);

      app.child.kill('SIGTERM');
      await sleep(300);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(false);
        });
        socket.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);

      await locker.query('commit');
      await locker.end();
      const statuses = await Promise.all(inFlight);
      expect(statuses.filter((s) => s === 201)).toHaveLength(100);
      expect(await app.exited(30_000)).toBe(0);
      const [row] = await db.query<{ avatar_variant: number }>('select avatar_variant from profiles where address = $1', [addr]);
      expect(row.avatar_variant).toBeGreaterThanOrEqual(0);
    } finally {
      app.kill();
    }
  }, 90_000);
});

/**
 * The migration runner's transaction gives its connection back however it fails. With a pool of 1
 * (the embedded database's), one connection kept is every later query waiting for the pool and a
 * shutdown that never ends (the pool's end waits for it).
 */
describe('a migration run whose BEGIN gets no answer, on a pool of 1', () => {
  const ctx = appBehindProxy({ DATABASE_POOL_MAX: '1', DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS) });

  it('answers 503, then the next run goes through once the database is back, and the app closes', async () => {
    // The boot's run left the pool's one connection idle: the next run's BEGIN is sent on it.
    ctx.proxy.stall();
    const stalled = await request(ctx.t.url).post('/api/admin/migrations/up').set(SECRET_HEADER);
    expect(stalled.status).toBe(503);
    ctx.proxy.restore();

    const status = await request(ctx.t.url).get('/api/admin/migrations').set(SECRET_HEADER);
    expect(status.status).toBe(200);
    expect(status.body.pending).toEqual([]);
    await expect(ctx.close()).resolves.toBeUndefined();
  }, 30_000);
});
