import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PRODUCTION_NODE_FLAGS } from '../src/node-flags';
import { AppProcess, ensureBuild, freePort, spawnApp } from './support/app-process';
import { currentTarget } from './support/pg-target';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** Recognizable values: none of them may ever appear in the process output. */
const DB_PASSWORD = 'Pw-Zebra-7731-LEAK';
const SHORT_SECRET = 'short-Secret-Quokka';
const GOOD_SECRET = 'boot-test-migrate-secret-Okapi-0123456789';
const SESSION_SECRET = 'boot-test-session-secret-Narwhal-0123456789';
const RPC_KEY = 'rpc-key-Pangolin-4471';
const SECRETS = [DB_PASSWORD, SHORT_SECRET, GOOD_SECRET, SESSION_SECRET, RPC_KEY];
/** Never called at boot (the chain id is asked on the first smart-account sign-in). */
const RPC_URL = `https://rpc.example.invalid/v2/${RPC_KEY}`;

/** A well-formed production URL; nothing listens on port 1, and the bad cases never get that far. */
const WELL_FORMED_URL = `postgresql://villa:${DB_PASSWORD}@127.0.0.1:1/villa`;

describe('boot fails closed in production (compiled app)', () => {
  const started: AppProcess[] = [];

  beforeAll(() => {
    ensureBuild();
  }, 120_000);

  afterAll(() => {
    for (const app of started) app.kill();
  });

  async function boot(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
    const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const app = spawnApp({ HOST: '127.0.0.1', PORT: String(await freePort()), ...defined });
    started.push(app);
    const code = await app.exited();
    return { code, output: app.output() };
  }

  /** Starts the compiled app, waits until it answers ready on `port`, stops it (exit 0): its output. */
  async function serveThenStop(env: Record<string, string>, port: number, nodeArgs?: readonly string[], cwd?: string): Promise<string> {
    const app = spawnApp(env, nodeArgs, cwd);
    started.push(app);
    await app.waitFor(`http://127.0.0.1:${port}/health/ready`);
    app.child.kill('SIGTERM');
    await expect(app.exited()).resolves.toBe(0);
    return app.output();
  }

  /** Every variable production requires, valid: each case below breaks exactly one. */
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: WELL_FORMED_URL,
    MIGRATE_SECRET: GOOD_SECRET,
    SESSION_SECRET,
    SIWE_DOMAINS: 'app.villa.cash',
    CHAIN_RPC_URL: RPC_URL,
  };

  it.each([
    ['DATABASE_URL', 'is missing', { DATABASE_URL: undefined }],
    ['DATABASE_URL', 'is not a postgres URL', { DATABASE_URL: `mysql://villa:${DB_PASSWORD}@127.0.0.1/villa` }],
    ['DATABASE_URL', 'has no database name', { DATABASE_URL: `postgresql://villa:${DB_PASSWORD}@127.0.0.1:5432` }],
    ['DATABASE_URL', 'has an unknown sslmode', { DATABASE_URL: `${WELL_FORMED_URL}?sslmode=sometimes` }],
    ['MIGRATE_SECRET', 'is missing', { MIGRATE_SECRET: undefined }],
    ['MIGRATE_SECRET', 'is shorter than 32 characters', { MIGRATE_SECRET: SHORT_SECRET }],
    ['PORT', 'is not an integer', { PORT: '80abc' }],
    ['PORT', 'is out of range', { PORT: '70000' }],
    // Passkey smart accounts can only sign in through it: deployed without it, no Villa user could.
    ['CHAIN_RPC_URL', 'is missing', { CHAIN_RPC_URL: undefined }],
    ['CHAIN_RPC_URL', 'is not http(s)', { CHAIN_RPC_URL: `wss://rpc.example.invalid/v2/${RPC_KEY}` }],
    ['SIWE_EOA_ONLY', 'is true beside a CHAIN_RPC_URL', { SIWE_EOA_ONLY: 'true' }],
  ])('%s %s → exit 1 before listening, the variable named, no value printed', async (variable, _what, overrides) => {
    const { code, output } = await boot({ ...production, ...overrides });

    expect(code).toBe(1);
    expect(output).toMatch(new RegExp(`^config error: ${variable}\\b`, 'm'));
    expect(output.split('\n').filter((line) => line.startsWith('config error: '))).toHaveLength(1);
    expect(output).not.toMatch(/Listening on/);
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });

  it('rejects an unknown NODE_ENV instead of running as development', async () => {
    const { code, output } = await boot({ ...production, NODE_ENV: 'prod' });

    expect(code).toBe(1);
    expect(output).toMatch(/^config error: NODE_ENV must be one of development, test, production$/m);
    expect(output).not.toMatch(/Listening on|embedded/i);
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });

  it('prints one line per bad variable when several are wrong', async () => {
    const { code, output } = await boot({
      ...production,
      DATABASE_URL: `mysql://villa:${DB_PASSWORD}@127.0.0.1/villa`,
      MIGRATE_SECRET: SHORT_SECRET,
      PORT: 'eighty',
    });

    expect(code).toBe(1);
    const lines = output.split('\n').filter((l) => l.startsWith('config error: '));
    expect(lines.map((l) => l.split(/\s/)[2]).sort()).toEqual(['DATABASE_URL', 'MIGRATE_SECRET', 'PORT']);
    for (const secret of SECRETS) expect(output).not.toContain(secret);
  });

  it('a database that accepts TCP and never answers → exit 1 within the connect timeout, naming host and cause', async () => {
    const blackHole = await TcpProxy.start('postgresql://127.0.0.1:1/none');
    blackHole.stall();
    try {
      const { code, output } = await boot({
        NODE_ENV: 'test', // migrations run at boot outside production, so the boot needs the database
        DATABASE_URL: `postgresql://villa:${DB_PASSWORD}@127.0.0.1:${blackHole.port}/villa`,
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
      });

      expect(code).toBe(1);
      expect(output).toContain(`Cannot connect to PostgreSQL at 127.0.0.1:${blackHole.port}/villa: no answer within 1000 ms`);
      expect(output).not.toMatch(/Listening on/);
      for (const secret of SECRETS) expect(output).not.toContain(secret);
    } finally {
      await blackHole.close();
    }
  });

  describe('control: a complete production environment', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.drop();
    });

    // The embedded test pool has no password-bearing URL to rewrite: this one needs the real server.
    const onServer = currentTarget().mode === 'server' ? it : it.skip;

    onServer('listens, answers ready, and never prints the password or the secret', async () => {
      const url = new URL(db.url);
      url.username = 'postgres';
      url.password = DB_PASSWORD; // the local server trusts loopback: a password is accepted and ignored
      const port = await freePort();
      const output = await serveThenStop({ ...production, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: url.toString() }, port);

      expect(output).toMatch(/Listening on/);
      expect(output).not.toMatch(/config error/);
      expect(output).not.toMatch(/started without the node flags/);
      for (const secret of SECRETS) expect(output).not.toContain(secret);
    });

    onServer('SIWE_EOA_ONLY=true and no CHAIN_RPC_URL: boots on purpose, and says smart accounts are refused', async () => {
      const port = await freePort();
      const { CHAIN_RPC_URL: _none, ...withoutRpc } = production;
      const app = spawnApp({ ...withoutRpc, SIWE_EOA_ONLY: 'true', HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: db.url });
      started.push(app);

      await app.waitFor(`http://127.0.0.1:${port}/health/ready`);
      app.child.kill('SIGTERM');
      await expect(app.exited()).resolves.toBe(0);
      expect(app.output()).not.toMatch(/config error/);
      expect(app.output()).toMatch(/SIWE_EOA_ONLY=true: only EOAs can sign in; passkey smart-account signatures are refused/);
    });

    onServer('started as `node dist/src/main.js`, without the production node flags: runs, and warns naming them', async () => {
      const port = await freePort();
      const output = await serveThenStop({ ...production, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: db.url }, port, []);

      const warning = output.split('\n').find((line) => line.includes('started without the node flags'));
      expect(warning).toBeDefined();
      expect(JSON.parse(warning!)).toMatchObject({ level: 40 });
      for (const flag of PRODUCTION_NODE_FLAGS) expect(warning).toContain(flag);
    });

    describe('with a .env file in the working directory', () => {
      let dir: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'villa-dotenv-'));
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      onServer('reads it in development: listens where the file says, on the database it names', async () => {
        const port = await freePort();
        writeFileSync(join(dir, '.env'), `HOST=127.0.0.1\nPORT=${port}\nDATABASE_URL=${db.url}\n`);
        const output = await serveThenStop({ NODE_ENV: 'development' }, port, undefined, dir);

        expect(output).toMatch(/Listening on/);
        expect(output).not.toMatch(/embedded PostgreSQL/);
      });

      onServer('ignores it in production, even with a variable that would not validate', async () => {
        writeFileSync(join(dir, '.env'), `DATABASE_POOL_MAX=lots\nMIGRATE_SECRET=${SHORT_SECRET}\n`);
        const port = await freePort();
        const output = await serveThenStop({ ...production, HOST: '127.0.0.1', PORT: String(port), DATABASE_URL: db.url }, port, undefined, dir);

        expect(output).not.toMatch(/config error/);
        for (const secret of SECRETS) expect(output).not.toContain(secret);
      });
    });
  });
});
