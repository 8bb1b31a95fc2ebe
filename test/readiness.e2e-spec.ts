import request from 'supertest';
import { privateKeyToAccount } from 'viem/accounts';
import { signIn } from './support/auth';
import { TcpProxy } from './support/tcp-proxy';
import { startTestApp, TestApp } from './support/test-app';
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
  let db: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await TcpProxy.start(db.url);
    t = await startTestApp({ db, databaseUrl: proxy.url(db.url), env: { DATABASE_CONNECT_TIMEOUT_MS: '1000' } });
    const { headers } = await signIn(t.url, OWNER);
    await request(t.url).post('/api/profile').set(headers).send({ address: ADDRESS, nickname: 'Ready' }).expect(201);
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('is 200 while the database answers (through the proxy)', async () => {
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' } } });
    expect(proxy.openConnections).toBeGreaterThan(0);
  });

  it('is 503 {error: "Database not available"} with Retry-After once the database is cut off', async () => {
    proxy.cut();

    const res = await request(t.url).get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: 'Database not available', status: 'error', details: { database: { status: 'down' } } });
    expect(res.headers['retry-after']).toBe('5');

    // Liveness does not depend on the database, so the platform does not restart the process.
    await request(t.url).get('/health').expect(200);
    // An API route fails the same way, as JSON, never a 500 or a stack trace.
    const read = await request(t.url).get(`/api/profile/${ADDRESS}`);
    expect(read.status).toBe(503);
    expect(read.body).toEqual({ error: 'Database not available' });
    expect(read.headers['retry-after']).toBe('5');
  });

  it('is 200 again when the database returns, and the data is served', async () => {
    proxy.restore();

    const res = await until(t, '/health/ready', 200);
    expect(res.status).toBe(200);
    expect(res.body.details.database.status).toBe('up');
    const read = await request(t.url).get(`/api/profile/${ADDRESS}`).expect(200);
    expect(read.body).toMatchObject({ address: ADDRESS, nickname: 'Ready' });
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
