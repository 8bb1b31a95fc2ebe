import { Client } from 'pg';
import request from 'supertest';
import { privateKeyToAccount } from 'viem/accounts';
import { signIn, SignedIn } from './support/auth';
import { currentTarget } from './support/pg-target';
import { appBehindProxy, startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

// A fixed key, so the address is known up front; writes sign in with it (Sign-In with Ethereum).
const OWNER = privateKeyToAccount(`0x${'5e'.repeat(32)}`);
const ADDRESS = OWNER.address.toLowerCase();

/** Polls `path` until it answers `status` (bounded by `attempts`), returning the last response. */
async function until(t: TestApp, path: string, status: number, attempts = 50): Promise<request.Response> {
  let res = await request(t.url).get(path);
  for (let i = 1; i < attempts && res.status !== status; i++) {
    await new Promise((r) => setTimeout(r, 200));
    res = await request(t.url).get(path);
  }
  return res;
}

describe('readiness follows the database, without a restart', () => {
  const ctx = appBehindProxy({ DATABASE_CONNECT_TIMEOUT_MS: '1000' });

  beforeAll(async () => {
    const { headers } = await signIn(ctx.t.url, OWNER);
    await request(ctx.t.url).post('/api/profile').set(headers).send({ address: ADDRESS, nickname: 'Ready' }).expect(201);
  });

  it('is 200 while the database answers (through the proxy)', async () => {
    const res = await request(ctx.t.url).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    expect(ctx.proxy.openConnections).toBeGreaterThan(0);
  });

  it('is 503 {error: "Database not available"} with Retry-After once the database is cut off', async () => {
    ctx.proxy.cut();

    const res = await request(ctx.t.url).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'Database not available', status: 'error', details: { database: { status: 'down' } } });
    expect(res.headers['retry-after']).toBe('5');

    // Liveness does not depend on the database, so the platform does not restart the process.
    await request(ctx.t.url).get('/health').expect(200);
    // An API route fails the same way, as JSON, never a 500 or a stack trace.
    const read = await request(ctx.t.url).get(`/api/profile/${ADDRESS}`);
    expect(read.status).toBe(503);
    expect(read.body).toEqual({ error: 'Database not available' });
    expect(read.headers['retry-after']).toBe('5');
  });

  it('GET /api/health/db says it in the old route\'s terms: 503 {status:"unhealthy", error}, Retry-After, no driver message', async () => {
    const res = await request(ctx.t.url).get('/api/health/db');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'unhealthy', error: 'Database not available' });
    expect(res.headers['retry-after']).toBe('5');
  });

  it('is 200 again when the database returns, and the data is served', async () => {
    ctx.proxy.restore();

    const res = await until(ctx.t, '/health/ready', 200);
    expect(res.status).toBe(200);
    expect(res.body.details.database.status).toBe('up');
    const read = await request(ctx.t.url).get(`/api/profile/${ADDRESS}`).expect(200);
    expect(read.body).toMatchObject({ address: ADDRESS, nickname: 'Ready' });
  });

  it('is 503 within its bound when the database stops answering (a black hole), and 200 once it is back', async () => {
    await until(ctx.t, '/health/ready', 200);
    ctx.proxy.stall();
    const started = Date.now();
    const res = await request(ctx.t.url).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'Database not available', details: { database: { status: 'down', message: 'timeout of 1000ms exceeded' } } });
    expect(Date.now() - started).toBeLessThan(2500); // DATABASE_CONNECT_TIMEOUT_MS (1 s) and a margin

    const legacy = await request(ctx.t.url).get('/api/health/db');
    expect({ status: legacy.status, body: legacy.body }).toEqual({ status: 503, body: { status: 'unhealthy', error: 'Database not available' } });

    ctx.proxy.restore();
    expect((await until(ctx.t, '/health/ready', 200)).status).toBe(200);
    expect((await request(ctx.t.url).get('/api/health/db').expect(200)).body).toEqual({ status: 'healthy' });
  });
});

// A row lock held from a second session: the embedded PGlite multiplexes connections onto one session.
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

/**
 * The app with `env`, an owner with a profile, and `lockRow()`, which takes that row's lock in another
 * session's open transaction; `waitingOnLock()` counts the app's pooled connections stuck behind it;
 * `patches(n)` sends n nickname changes of that row at once.
 */
function appWithLockedRow(env: Record<string, string>) {
  const ctx = {} as {
    t: TestApp;
    owner: SignedIn;
    locker: Client;
    lockRow(): Promise<void>;
    waitingOnLock(): Promise<number>;
    patches(n: number): Promise<request.Response[]>;
  };
  beforeAll(async () => {
    ctx.t = await startTestApp({ env });
    ctx.owner = await signIn(ctx.t.url);
    await request(ctx.t.url).post('/api/profile').set(ctx.owner.headers).send({ address: ctx.owner.address, nickname: 'Locked' }).expect(201);
    ctx.locker = new Client({ connectionString: ctx.t.db.url });
    await ctx.locker.connect();
    ctx.lockRow = async () => {
      await ctx.locker.query('begin');
      await ctx.locker.query('select 1 from profiles where address = $1 for update', [ctx.owner.address]);
    };
    ctx.waitingOnLock = async () => {
      const [{ n }] = await ctx.t.db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and application_name = 'villa-profile-api' and wait_event_type = 'Lock'`,
      );
      return n;
    };
    ctx.patches = (n) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          request(ctx.t.url).patch('/api/profile').set(ctx.owner.headers).send({ address: ctx.owner.address, newNickname: `Waiting${i}` }),
        ),
      );
  });
  afterAll(async () => {
    await ctx.locker?.end();
    await ctx.t?.close();
  });
  return ctx;
}

/** Polls until at least one of the app's pooled connections waits on the row lock (bounded). */
async function untilWaiting(waitingOnLock: () => Promise<number>): Promise<void> {
  for (let i = 0; i < 100 && (await waitingOnLock()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(await waitingOnLock()).toBeGreaterThan(0);
}

describeOnServer('the readiness probe connects as the ORM does', () => {
  it('takes sslmode from DATABASE_URL: against a server without TLS, it answers 503', async () => {
    const db = await createTestDatabase();
    const url = new URL(db.url);
    url.searchParams.set('sslmode', 'require');
    // The boot check fails the same way; without a boot migration the app serves and says why.
    const t = await startTestApp({ db, databaseUrl: url.toString(), env: { MIGRATE_ON_BOOT: 'false' } });
    try {
      expect(t.logs.join('\n')).toMatch(/does not accept TLS/);
      const res = await request(t.url).get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ error: 'Database not available', details: { database: { status: 'down' } } });
    } finally {
      await t.close();
      await db.drop();
    }
  });
});

describeOnServer('readiness while every pooled connection waits on a row lock', () => {
  // One pooled connection, which a write may take (no connection to keep back), and no lock wait
  // bound: the write stays stuck for as long as the test holds the row.
  const ctx = appWithLockedRow({ DATABASE_POOL_MAX: '1', DATABASE_LOCK_TIMEOUT_MS: '0', DATABASE_CONNECT_TIMEOUT_MS: '1000' });

  it('answers 200 on its own connection while requests wait, and those requests get the 503s', async () => {
    const { t, locker } = ctx;
    await ctx.lockRow();
    let write: Promise<request.Response[]> | undefined;
    try {
      write = ctx.patches(1);
      await untilWaiting(ctx.waitingOnLock);

      const started = Date.now();
      const ready = await request(t.url).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
      expect(Date.now() - started).toBeLessThan(1000); // the probe's bound: it did not queue for the pool
      expect(await ctx.waitingOnLock()).toBe(1); // the write was still stuck when it answered

      // A request needing the pool is the one that fails: 503 within the connect timeout, as JSON.
      const read = await request(t.url).get(`/api/profile/${ctx.owner.address}`);
      expect(read.status).toBe(503);
      expect(read.body).toEqual({ error: 'Database not available' });
    } finally {
      await locker.query('rollback');
    }
    // The row free again, the stuck write goes through.
    expect((await write!).map((r) => r.status)).toEqual([200]);
  });
});

describeOnServer('sign-in while profile writes wait on a row lock', () => {
  // Defaults but a small pool: writes may hold one of its two connections, the other stays for the rest.
  const ctx = appWithLockedRow({ DATABASE_POOL_MAX: '2' });

  it('POST /api/auth/nonce and verify answer at once; the stuck writes give up with 503', async () => {
    const { t, locker } = ctx;
    await ctx.lockRow();
    try {
      const started = Date.now();
      const writes = ctx.patches(4);
      await untilWaiting(ctx.waitingOnLock);

      const signInStarted = Date.now();
      const session = await signIn(t.url);
      await request(t.url).get('/api/auth/session').set(session.headers).expect(200);
      await request(t.url).get(`/api/profile/${ctx.owner.address}`).expect(200);
      expect(Date.now() - signInStarted).toBeLessThan(1000); // not queued behind the writes

      for (const res of await writes) {
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ error: 'Database not available' });
        expect(res.headers['retry-after']).toBe('5');
      }
      // Each write gave up at its lock wait (DATABASE_LOCK_TIMEOUT_MS, 2 s) or its turn (5 s), not at
      // statement_timeout (15 s).
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await locker.query('rollback');
    }
    // Nothing stayed locked or broken: the next write goes through.
    await request(t.url).patch('/api/profile').set(ctx.owner.headers).send({ address: ctx.owner.address, newNickname: 'Unlocked' }).expect(200);
  });
});

describe('readiness right after a healthy boot that ran no query', () => {
  let db: TestDatabase;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A first app migrates the database; the second boots on it without migrating, so nothing has queried yet.
    const migrator = await startTestApp({ db });
    await migrator.close();
    t = await startTestApp({ db, env: { MIGRATE_ON_BOOT: 'false' } });
  });

  afterAll(async () => {
    await t?.close();
    await db?.drop();
  });

  it('is 200 at once: the boot connected MikroORM 7, which otherwise reports "not connected" until a query', async () => {
    const res = await request(t.url).get('/health/ready');
    expect(res.status).toBe(200);
  });
});
