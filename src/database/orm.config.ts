import { Logger } from '@nestjs/common';
import { ReflectMetadataProvider } from '@mikro-orm/decorators/legacy';
import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { AuthNonce } from '../auth/nonce.entity';
import { AuthSession } from '../auth/session.entity';
import { DatabaseConfig } from '../config/app-config';
import { Profile } from '../profile/profile.entity';
import { BoundedClient } from './bounded-client';
import { parseDatabaseUrl, pgConnectionOptions } from './connection-options';

const ormLogger = new Logger('Database');

export const ENTITIES = [Profile, AuthNonce, AuthSession];

/**
 * The one MikroORM configuration, shared by the Nest app, the migration runner, MikroORM's CLI
 * (mikro-orm.config.ts), the bench and the tests. `url` is the resolved database URL (the embedded
 * server's when DATABASE_URL is unset).
 */
export function buildOrmOptions(db: DatabaseConfig, url: string, overrides: Options = {}): Options {
  const target = parseDatabaseUrl(url);
  return defineConfig({
    driver: PostgreSqlDriver,
    entities: ENTITIES,
    metadataProvider: ReflectMetadataProvider,
    host: target.host,
    port: target.port,
    user: target.user || undefined,
    password: target.password || undefined,
    dbName: target.database,
    // Never create databases or schemas implicitly: a wrong URL must fail loudly, not make a new db.
    ensureDatabase: false,
    discovery: { warnWhenNoEntities: false },
    // The legacy frontend's table: the service leaves it alone, and so must MikroORM's schema diff.
    schemaGenerator: { skipTables: ['webauthn_credentials'] },
    // Pool sized for the target (MikroORM 7 hands these to pg's Pool).
    pool: { min: 0, max: db.poolMax, idleTimeoutMillis: 30_000 },
    // pg's Pool options, directly: MikroORM 7 silently ignores the v6 form nested under `connection`.
    driverOptions: {
      Client: BoundedClient,
      // TLS (sslmode, DATABASE_CA_CERT) and the timeouts live in one function, shared with the readiness probe.
      ...pgConnectionOptions(db, url),
    },
    // Only what MikroORM logs with debug off (deprecations) reaches the app's logger, never the console.
    logger: (message: string) => ormLogger.warn(message),
    debug: false,
    // `npm run migration:create` generates into migrations/ (scripts/create-migration.js registers it).
    extensions: [Migrator],
    migrations: { path: 'migrations', pathTs: 'migrations', emit: 'ts', snapshot: false, tableName: 'mikro_orm_migrations' },
    ...overrides,
  });
}

/**
 * A MikroORM outside Nest (CLI, doctor, bench, tests), connected: MikroORM 7 connects lazily and its
 * connection check reports "not connected" until something connects. Connecting builds the pool only.
 */
export async function openOrm(db: DatabaseConfig, url: string): Promise<MikroORM> {
  const orm = await MikroORM.init(buildOrmOptions(db, url));
  await orm.connect();
  return orm;
}
