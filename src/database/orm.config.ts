import { Logger } from '@nestjs/common';
import { defineConfig, Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { AuthNonce } from '../auth/nonce.entity';
import { AuthSession } from '../auth/session.entity';
import { DatabaseConfig } from '../config/app-config';
import { Profile } from '../profile/profile.entity';
import { parseDatabaseUrl, pgConnectionOptions } from './connection-options';

const knexLogger = new Logger('Database');

export const ENTITIES = [Profile, AuthNonce, AuthSession];

/**
 * The one MikroORM configuration, shared by the Nest app, the migration CLI, the bench and the tests.
 * `url` is the resolved database URL (the embedded server's when DATABASE_URL is unset).
 */
export function buildOrmOptions(db: DatabaseConfig, url: string, overrides: Partial<Options> = {}): Options {
  const target = parseDatabaseUrl(url);
  return defineConfig({
    driver: PostgreSqlDriver,
    entities: ENTITIES,
    host: target.host,
    port: target.port,
    user: target.user || undefined,
    password: target.password || undefined,
    dbName: target.database,
    // Never create databases or schemas implicitly: a wrong URL must fail loudly, not make a new db.
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
    // Pool sized for the target; acquire bounded so a dead database yields 503s, not hung requests.
    pool: { min: 0, max: db.poolMax, acquireTimeoutMillis: db.connectTimeoutMs, idleTimeoutMillis: 30_000 },
    driverOptions: {
      // knex prints connection errors with console.log; send them to the app's logger instead.
      log: {
        warn: (message: unknown) => knexLogger.warn(String(message)),
        error: (message: unknown) => knexLogger.error(String(message)),
        deprecate: (message: unknown) => knexLogger.warn(String(message)),
        debug: () => undefined,
      },
      acquireConnectionTimeout: db.connectTimeoutMs,
      // The pg options live in one function (connection-options.ts), shared with the readiness probe.
      connection: pgConnectionOptions(db, url),
    },
    debug: false,
    ...overrides,
  });
}
