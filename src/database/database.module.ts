import { DynamicModule, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { AppConfig } from '../config/app-config';
import { describeConnectionError } from './connection-diagnostics';
import { DatabaseProbe } from './database-probe';
import { parseDatabaseUrl, redactUrl } from './connection-options';
import { MigrationEntry, MigrationRunner } from './migration-runner';
import { buildOrmOptions } from './orm.config';
import { WriteTransactions } from './write-transactions';

export const MIGRATION_LIST = Symbol('MIGRATION_LIST');

/** Checks the connection at boot (naming host and cause when it fails) and applies migrations when configured. */
@Injectable()
export class DatabaseBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly orm: MikroORM,
    private readonly config: AppConfig,
    private readonly migrations: MigrationRunner,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { url, connectTimeoutMs, migrateOnBoot, embedded } = this.config.database;
    const target = parseDatabaseUrl(url!);
    // MikroORM 7 connects lazily and reports "not connected" until something does: readiness would
    // answer 503 after a healthy boot. Connecting only builds the pool; the check below reaches the server.
    await this.orm.connect();
    const check = await this.orm.checkConnection();
    if (!check.ok) {
      const line = describeConnectionError(check.error, target, connectTimeoutMs);
      // Without the database the boot migration cannot run: stop rather than serve a half-set-up schema.
      if (migrateOnBoot) throw new Error(line);
      this.logger.error(`${line}. Serving anyway: /health/ready answers 503 until it comes back.`);
      return;
    }
    this.logger.log(`Connected to ${embedded ? 'the embedded database' : redactUrl(url!)}`);
    if (migrateOnBoot) {
      const run = await this.migrations.up();
      this.logger.log(
        `Migrations: ${run.applied.length ? `applied ${run.applied.join(', ')}` : 'up to date'} (${run.executed.length} executed, ${run.pending.length} pending)`,
      );
    }
  }
}

@Module({})
export class DatabaseModule {
  static forRoot(migrations: MigrationEntry[]): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        MikroOrmModule.forRootAsync({
          driver: PostgreSqlDriver,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            ...buildOrmOptions(config.database, config.database.url!),
            // No request-scoped EntityManager: every query goes through the repositories' Kysely
            // queries or a forked EntityManager's transaction, never the identity map, so a per-request
            // context (a Nest middleware, an EntityManager fork and an AsyncLocalStorage scope each)
            // would buy nothing.
            registerRequestContext: false,
          }),
        }),
      ],
      providers: [
        { provide: MIGRATION_LIST, useValue: migrations },
        {
          provide: MigrationRunner,
          inject: [MikroORM, MIGRATION_LIST],
          useFactory: (orm: MikroORM, list: MigrationEntry[]) => new MigrationRunner(orm, list),
        },
        DatabaseBootstrap,
        DatabaseProbe,
        { provide: WriteTransactions, inject: [AppConfig], useFactory: (config: AppConfig) => new WriteTransactions(config.database) },
      ],
      exports: [MigrationRunner, DatabaseProbe, WriteTransactions],
    };
  }
}


