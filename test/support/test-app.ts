import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import { MIGRATIONS } from '../../migrations';
import { createApp } from '../../src/bootstrap';
import { AppConfig } from '../../src/config/app-config';
import { loadConfigModule } from '../../src/config/config.module';
import { MigrationEntry } from '../../src/database/migration-runner';
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
