import { privateKeyToAccount } from 'viem/accounts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signIn } from './support/auth';
import { AppProcess, ensureBuild, freePort, spawnApp } from './support/app-process';

// A fixed key, so the address is known up front; writes sign in with it (Sign-In with Ethereum).
const OWNER = privateKeyToAccount(`0x${'e4'.repeat(32)}`);
const ADDRESS = OWNER.address.toLowerCase();

/**
 * `npm start` on a machine with no PostgreSQL and no configuration: the compiled app on the embedded
 * PGlite. Only the port, host and data directory are set, so the test never collides with anything.
 */
describe('embedded database (compiled app, no DATABASE_URL)', () => {
  let dataDir: string;
  const started: AppProcess[] = [];

  async function start(): Promise<{ app: AppProcess; base: string }> {
    const port = await freePort();
    const app = spawnApp({ PORT: String(port), HOST: '127.0.0.1', EMBEDDED_DATA_DIR: dataDir });
    started.push(app);
    const base = `http://127.0.0.1:${port}`;
    await app.waitFor(`${base}/health/ready`, 45_000);
    return { app, base };
  }

  async function stop(app: AppProcess): Promise<void> {
    app.child.kill('SIGTERM');
    await expect(app.exited()).resolves.toBe(0);
  }

  beforeAll(() => {
    ensureBuild();
    dataDir = mkdtempSync(join(tmpdir(), 'villa-embedded-e2e-'));
  }, 120_000);

  afterAll(() => {
    for (const app of started) app.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let created: Record<string, unknown>;

  it('starts, is ready, says the embedded database is in use and how to use a real one, stores a row, stops with 0', async () => {
    const { app, base } = await start();

    expect(app.output()).toContain(`Using the embedded PostgreSQL (PGlite) with data in ${dataDir}`);
    expect(app.output()).toMatch(/Set DATABASE_URL=postgresql:\/\/\S+ to use a real PostgreSQL server/);
    await app.waitForOutput(/Migrations: applied Migration\d+_profiles/);

    const { headers } = await signIn(base, OWNER);
    const post = await fetch(`${base}/api/profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ address: ADDRESS, nickname: 'Embedded', avatar: { style: 'bottts', selection: 'other', variant: 3 } }),
    });
    expect(post.status).toBe(201);
    created = (await post.json()) as Record<string, unknown>;
    expect(created).toMatchObject({ address: ADDRESS, nickname: 'Embedded', nicknameNormalized: 'embedded' });

    await stop(app);
  }, 60_000);

  it('keeps the row across a restart on the same data directory', async () => {
    expect(created).toBeDefined();
    const { app, base } = await start();
    await app.waitForOutput(/Migrations: up to date/);

    const res = await fetch(`${base}/api/profile/${ADDRESS.toUpperCase().replace('0X', '0x')}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(created);

    await stop(app);
  }, 60_000);
});
