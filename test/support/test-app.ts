import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { MIGRATIONS } from '../../migrations';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadConfigModule } from '../../src/config/config.module';
import { MigrationEntry } from '../../src/database/migration-runner';
import { withTimeout } from '../../src/database/timeout';
import { TcpProxy } from './tcp-proxy';
import { createTestDatabase, TestDatabase } from './test-database';
import { TestClock } from './test-clock';

/** 40 characters: long enough for production rules, obviously fake. */
export const TEST_MIGRATE_SECRET = 'test-migrate-secret-0123456789abcdefghij';

export interface TestApp {
  app: NestFastifyApplication;
  /** Base URL of the listening app, for supertest: `request(t.url)`. */
  url: string;
  db: TestDatabase;
  config: AppConfig;
  clock: TestClock;
  /** Every log line the app wrote (JSON), for assertions on what is and is not logged. */
  logs: string[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  migrations?: MigrationEntry[];
  /** Reuse a database (e.g. to restart the app on the same data); a new one otherwise. */
  db?: TestDatabase;
  /** Point the app somewhere else (a proxy in front of the test database). */
  databaseUrl?: string;
}

/** Starts the real app (real migrations at boot) on a throw-away database, listening on 127.0.0.1. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await createTestDatabase());
  const databaseUrl = options.databaseUrl ?? db.url;
  const loaded = await loadConfigModule({
    env: {
      NODE_ENV: 'test',
      ...(db.embedded ? {} : { DATABASE_URL: databaseUrl }),
      MIGRATE_SECRET: TEST_MIGRATE_SECRET,
      LOG_LEVEL: 'info',
      // Suites send bursts from one IP; the rate-limit tests set their own small limits.
      RATE_LIMIT_LOOKUPS: '1000000',
      RATE_LIMIT_WRITES: '1000000',
      RATE_LIMIT_AUTH: '1000000',
      ...options.env,
    },
    envFile: null, // a developer's .env never reaches a suite
    embeddedDatabaseUrl: db.embedded ? databaseUrl : undefined,
  });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const clock = new TestClock(new Date());
  const app = await createApp(loaded, { migrations: options.migrations ?? MIGRATIONS, logStream, clock });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    db,
    config: loaded.config,
    clock,
    logs,
    async close() {
      await app.close();
      if (!options.db) await db.drop();
    },
  };
}

export interface ProxiedTestApp {
  db: TestDatabase;
  proxy: TcpProxy;
  t: TestApp;
  /** Closes the app once (later calls share that close), failing after 5 s instead of hanging the suite. */
  close(): Promise<void>;
}

/**
 * For a describe block: the app on a fresh database that it reaches through a TcpProxy, so the tests
 * can take the database away (the fields are set in its beforeAll; closed and dropped in its afterAll).
 */
export function appBehindProxy(env: Record<string, string>): ProxiedTestApp {
  let closing: Promise<void> | undefined;
  const ctx = {
    close: () => (closing ??= withTimeout(ctx.t.close(), 5000, () => new Error('app.close() still running after 5 s'))),
  } as ProxiedTestApp;
  beforeAll(async () => {
    ctx.db = await createTestDatabase();
    ctx.proxy = await TcpProxy.start(ctx.db.url);
    ctx.t = await startTestApp({ db: ctx.db, databaseUrl: ctx.proxy.url(ctx.db.url), env });
  });
  afterAll(async () => {
    if (ctx.t) await ctx.close();
    await ctx.proxy?.close();
    await ctx.db?.drop();
  });
  return ctx;
}
