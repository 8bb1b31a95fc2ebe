import { currentTarget } from './support/pg-target';
import { privateKeyToAccount } from 'viem/accounts';
import { connect } from 'node:net';
import { Client } from 'pg';
import { signIn } from './support/auth';
import { AppProcess, ensureBuild, freePort, spawnApp } from './support/app-process';
import { slowRequest } from './support/raw-http';
import { createTestDatabase, TestDatabase } from './support/test-database';

// Needs two real concurrent sessions (a row lock held against the app, or a second pool): the
// embedded PGlite multiplexes connections onto one session, so these run against a server only.
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

// A fixed key, so the address is known up front; writes sign in with it (Sign-In with Ethereum).
const OWNER = privateKeyToAccount(`0x${'5d'.repeat(32)}`);
const ADDRESS = OWNER.address.toLowerCase();

/** True when a fresh TCP connection to the port is refused (nothing listens any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve(true);
      // Reset: the kernel had queued the connection just as the listener closed. Closing, not closed
      // yet: ask again.
      else if (err.code === 'ECONNRESET') resolve(false);
      else reject(err);
    });
  });
}

/** Polls `check` every 50 ms until it is true, at most `attempts` times. */
async function eventually(check: () => Promise<boolean>, attempts = 200): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The compiled app on a fresh database of its own, ready to serve (for beforeAll). */
async function startCompiledApp(env: Record<string, string> = {}): Promise<{ db: TestDatabase; app: AppProcess; port: number }> {
  ensureBuild();
  const db = await createTestDatabase();
  const port = await freePort();
  const app = spawnApp({ NODE_ENV: 'test', DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', ...env });
  await app.waitFor(`http://127.0.0.1:${port}/health/ready`);
  return { db, app, port };
}

describeOnServer('SIGTERM during a slow request (compiled app, real database)', () => {
  let db: TestDatabase;
  let app: AppProcess;
  let port: number;
  let locker: Client;

  beforeAll(async () => {
    // No lock wait bound: the slow PATCH waits on the test's row lock for as long as the test holds it.
    ({ db, app, port } = await startCompiledApp({ DATABASE_LOCK_TIMEOUT_MS: '0' }));
    locker = new Client({ connectionString: db.url });
    await locker.connect();
  }, 120_000);

  afterAll(async () => {
    app?.kill();
    await locker?.end();
    await db?.drop();
  });

  it('finishes the in-flight request, stops accepting, and exits 0', async () => {
    const base = `http://127.0.0.1:${port}`;
    const { headers } = await signIn(base, OWNER);
    const created = await fetch(`${base}/api/profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ address: ADDRESS, nickname: 'Slowpoke' }),
    });
    expect(created.status).toBe(201);

    // Make the PATCH slow for real: it waits on this row lock inside the app's transaction.
    await locker.query('begin');
    await locker.query('select * from profiles where address = $1 for update', [ADDRESS]);
    const patch = fetch(`${base}/api/profile`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ address: ADDRESS, newNickname: 'Quickstep' }),
    });
    const waitingOnLock = async () => {
      const [row] = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and query ilike '%for update%'`,
      );
      return row.n > 0;
    };
    expect(await eventually(waitingOnLock)).toBe(true);

    app.child.kill('SIGTERM');

    // The listener closes while the PATCH is still waiting on the lock.
    expect(await eventually(() => refused(port))).toBe(true);
    expect(app.child.exitCode).toBeNull();
    expect(await waitingOnLock()).toBe(true);

    await new Promise((r) => setTimeout(r, 300));
    await locker.query('commit');

    const res = await patch;
    expect(res.status).toBe(200);
    // Answered after shutdown began: the keep-alive socket must end with it, or close() would wait
    // out the keep-alive timeout.
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({ address: ADDRESS, nickname: 'Quickstep', nicknameChangeCount: 1 });
    await expect(app.exited()).resolves.toBe(0);

    const [row] = await db.query('select nickname, nickname_change_count from profiles where address = $1', [ADDRESS]);
    expect(row).toEqual({ nickname: 'Quickstep', nickname_change_count: 1 });
    expect(app.output()).toMatch(/SIGTERM received/);
    await expect(refused(port)).resolves.toBe(true);
  }, 60_000);
});

describe('SIGTERM with a client dripping its request body (compiled app)', () => {
  const GRACE_MS = 1500;
  let db: TestDatabase;
  let app: AppProcess;
  let port: number;

  beforeAll(async () => {
    ({ db, app, port } = await startCompiledApp({
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      // Far above the grace: here the grace, not the request timeout, has to end the slow request.
      HTTP_REQUEST_TIMEOUT_MS: '60000',
    }));
  }, 120_000);

  afterAll(async () => {
    app?.kill();
    await db?.drop();
  });

  it('cuts the slow client off when the grace is over and exits 0 (it used to wait for the client)', async () => {
    const body = JSON.stringify({ address: ADDRESS, nickname: 'Dripper' });
    const slow = slowRequest(`http://127.0.0.1:${port}`, {
      head: `POST /api/profile HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
      drip: body, // a byte every 250 ms: about 14 s for the whole body
      intervalMs: 250,
    });
    await new Promise((r) => setTimeout(r, 500)); // the request is in flight, its body arriving

    const signalled = Date.now();
    app.child.kill('SIGTERM');
    await expect(app.exited(GRACE_MS + 8000)).resolves.toBe(0);
    const exitMs = Date.now() - signalled;
    // It waited for the request while the grace lasted, then stopped waiting.
    expect(exitMs).toBeGreaterThanOrEqual(GRACE_MS - 100);
    expect(exitMs).toBeLessThan(GRACE_MS + 5000);

    const cut = await slow;
    expect(cut.openMs).toBeLessThan(GRACE_MS + 5000);
    expect(app.output()).toMatch(/SIGTERM received/);
    expect(app.output()).toMatch(/shutdown grace of 1500 ms is over: closing the connections still open/);
    await expect(refused(port)).resolves.toBe(true);
  }, 60_000);
});
