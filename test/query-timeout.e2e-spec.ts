import { connect } from 'node:net';
import { currentTarget } from './support/pg-target';
import { Client } from 'pg';
import request from 'supertest';
import { signIn, SignedIn } from './support/auth';
import { startTestApp, TestApp } from './support/test-app';

// Needs two real concurrent sessions (a row lock held against the app, or a second pool): the
// embedded PGlite multiplexes connections onto one session, so these run against a server only.
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

/**
 * Per describe block: the app (with `env`), an owner signed in with a profile named `nickname`, and
 * `lockRow()`, which takes that profile's row lock in a second session's open transaction (the test
 * ends it with commit or rollback on `locker`).
 */
function appWithLockableOwner(nickname: string, env?: Record<string, string>) {
  const ctx = {} as { t: TestApp; owner: SignedIn; locker: Client; lockRow(): Promise<void> };
  beforeAll(async () => {
    ctx.t = await startTestApp(env ? { env } : {});
    ctx.owner = await signIn(ctx.t.url);
    await request(ctx.t.url).post('/api/profile').set(ctx.owner.headers).send({ address: ctx.owner.address, nickname }).expect(201);
    ctx.locker = new Client({ connectionString: ctx.t.db.url });
    await ctx.locker.connect();
    ctx.lockRow = async () => {
      await ctx.locker.query('begin');
      await ctx.locker.query('select 1 from profiles where address = $1 for update', [ctx.owner.address]);
    };
  });
  afterAll(async () => {
    await ctx.locker.end();
    await ctx.t.close();
  });
  return ctx;
}

/**
 * A query the client gave up on (query_timeout; behind PgBouncer it is the only bound) may still run
 * on the server inside the request's transaction. That connection must be closed, not pooled again:
 * reused, it would keep the row locked and commit the failed request's write with the next one.
 */
describeOnServer('a write whose query times out client-side', () => {
  // One pooled connection, so a connection wrongly returned to the pool is the next one used.
  const ctx = appWithLockableOwner('Before', { DATABASE_QUERY_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '0', DATABASE_POOL_MAX: '1' });

  it('answers 503, leaves nothing open or locked, and never commits the timed-out change', async () => {
    const { t, owner, locker } = ctx;
    await ctx.lockRow();
    const res = await request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname: 'After' });
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: 'Database not available' });
    // The statement the app gave up on was still waiting on our lock server-side; now it may run.
    await locker.query('commit');
    await new Promise((r) => setTimeout(r, 500));
    // Nothing of the app's is left holding the row or sitting in an open transaction.
    await locker.query('begin');
    await expect(locker.query('select 1 from profiles where address = $1 for update nowait', [owner.address])).resolves.toBeDefined();
    await locker.query('rollback');
    const open = await t.db.query(
      `select pid from pg_stat_activity
       where datname = current_database() and application_name = 'villa-profile-api' and state like 'idle in transaction%'`,
    );
    expect(open).toEqual([]);

    // The next write goes through and commits only itself.
    await request(t.url)
      .post('/api/profile')
      .set(owner.headers)
      .send({ address: owner.address, nickname: 'Before', avatar: { style: 'bottts', selection: 'other', variant: 7 } })
      .expect(201);
    const rows = await t.db.query<{ nickname: string; nickname_change_count: number; avatar_variant: number }>(
      'select nickname, nickname_change_count, avatar_variant from profiles where address = $1',
      [owner.address],
    );
    expect(rows).toEqual([{ nickname: 'Before', nickname_change_count: 0, avatar_variant: 7 }]);
  });
});

/** The server-side bound (statement_timeout, SQLSTATE 57014) answers like an outage: 503, retry later. */
describeOnServer('a write that outlasts statement_timeout', () => {
  const ctx = appWithLockableOwner('Before', { DATABASE_STATEMENT_TIMEOUT_MS: '300', DATABASE_QUERY_TIMEOUT_MS: '10000', DATABASE_POOL_MAX: '1' });

  it('answers 503 with Retry-After, not 500, and the connection it used serves the next request', async () => {
    const { t, owner, locker } = ctx;
    await ctx.lockRow();
    try {
      const res = await request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname: 'After' });
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'Database not available' });
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await locker.query('rollback');
    }
    // PostgreSQL itself cancelled the statement and the app rolled back: the one pooled connection is fine.
    await request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname: 'After' }).expect(200);
    const rows = await t.db.query<{ nickname: string }>('select nickname from profiles where address = $1', [owner.address]);
    expect(rows).toEqual([{ nickname: 'After' }]);
  });
});

/** A client that gives up before its answer still leaves a trace: one `request aborted` line. */
describeOnServer('a client that gives up while its write waits on a lock', () => {
  const ctx = appWithLockableOwner('Waiting');

  it('is logged as aborted (warn, with its id and URL, no headers), not as completed', async () => {
    const { t, owner, locker } = ctx;
    await ctx.lockRow();
    try {
      // A raw socket, closed by hand while the write waits on our lock.
      const body = JSON.stringify({ address: owner.address, newNickname: 'Abandoned' });
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `PATCH /api/profile?attempt=abandoned HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${owner.headers.authorization}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.destroy();
      const aborted = async () =>
        t.logs.map((l) => JSON.parse(l)).filter((e) => e.msg === 'request aborted' && e.req?.url === '/api/profile?attempt=abandoned');
      for (let i = 0; i < 50 && (await aborted()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const [line] = await aborted();
      expect(line).toMatchObject({ level: 40, req: { method: 'PATCH', id: expect.any(String) } });
      expect(Object.keys(line.req).sort()).toEqual(['id', 'method', 'url']);
      expect(line).not.toHaveProperty('res'); // no answer was sent, so no status (it used to say 200)
    } finally {
      await locker.query('rollback');
    }
  });
});
