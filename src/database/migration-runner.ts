import { Logger } from '@nestjs/common';
import { Migration } from '@mikro-orm/migrations';
import { MikroORM, SqlEntityManager } from '@mikro-orm/postgresql';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;
export interface MigrationEntry {
  name: string;
  class: MigrationClass;
}

export interface MigrationStatus {
  executed: { name: string; executedAt: string }[];
  pending: string[];
}

export interface MigrationRun extends MigrationStatus {
  applied: string[];
}

/** A migration threw: the whole run was rolled back. `cause` is for the log only. */
export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string,
    readonly cause: unknown,
  ) {
    super(`Migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MigrationFailedError';
  }
}

export const MIGRATIONS_TABLE = 'mikro_orm_migrations';
/** Arbitrary, fixed key for pg_advisory_xact_lock ("villa" in ASCII): one per database. */
export const MIGRATION_LOCK_KEY = 0x76696c6c61;

const CREATE_TABLE = `create table if not exists ${MIGRATIONS_TABLE} (
  id serial primary key, name varchar(255), executed_at timestamptz default current_timestamp)`;

/**
 * The one migration runner: used by the CLI, the boot path, the admin endpoints and the deploy job.
 *
 * MikroORM's migrator (7 as 6) takes no lock (concurrent `up()` calls apply one migration several times)
 * and opens extra connections outside the transaction (deadlocking a pool of 1), so the runner
 * drives the migration classes itself: one transaction, which first takes a transaction-level
 * advisory lock (works behind PgBouncer's transaction mode), then reads what ran and applies the rest.
 * A failing migration rolls the whole run back.
 */
export class MigrationRunner {
  private readonly logger = new Logger(MigrationRunner.name);

  constructor(
    private readonly orm: MikroORM,
    private readonly migrations: MigrationEntry[],
  ) {}

  async status(): Promise<MigrationStatus> {
    return this.locked((em) => this.readStatus(em));
  }

  async up(): Promise<MigrationRun> {
    return this.locked(async (em) => {
      const before = await this.readStatus(em);
      const applied: string[] = [];
      for (const name of before.pending) {
        await this.run(em, name, 'up');
        await em.execute(`insert into ${MIGRATIONS_TABLE} (name) values (?)`, [name]);
        applied.push(name);
      }
      const after = await this.readStatus(em);
      return { applied, ...after };
    });
  }

  /** Reverts the most recent migration. */
  async down(): Promise<MigrationRun & { reverted: string | null }> {
    return this.locked(async (em) => {
      const before = await this.readStatus(em);
      const last = before.executed.at(-1)?.name ?? null;
      if (last) {
        await this.run(em, last, 'down');
        await em.execute(`delete from ${MIGRATIONS_TABLE} where name = ?`, [last]);
      }
      return { applied: [], reverted: last, ...(await this.readStatus(em)) };
    });
  }

  private async locked<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    const em = this.orm.em.fork() as SqlEntityManager;
    // Kysely's callback transaction gives its connection back on every path. em.transactional (Kysely's
    // controlled transaction) keeps it when BEGIN fails: on a pool of 1 (the embedded database's), every
    // later query would wait for the pool and the pool's close, at shutdown, would never end.
    return em
      .getConnection()
      .getClient()
      .transaction()
      .execute(async (trx) => {
        em.setTransactionContext(trx);
        await em.execute(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
        await em.execute(CREATE_TABLE);
        return work(em);
      });
  }

  private async readStatus(em: SqlEntityManager): Promise<MigrationStatus> {
    const rows = await em.execute<{ name: string; executedAt: string }[]>(
      `select name, to_char(executed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "executedAt"
       from ${MIGRATIONS_TABLE} order by id`,
    );
    const done = new Set(rows.map((r) => r.name));
    return { executed: rows, pending: this.migrations.map((m) => m.name).filter((n) => !done.has(n)) };
  }

  private async run(em: SqlEntityManager, name: string, method: 'up' | 'down'): Promise<void> {
    const entry = this.migrations.find((m) => m.name === name);
    if (!entry) throw new MigrationFailedError(name, new Error('migration is recorded but its class is not listed'));
    const migration = new entry.class(em.getDriver(), this.orm.config);
    migration.reset();
    migration.setTransactionContext(em.getTransactionContext());
    try {
      await migration[method]();
      for (const sql of migration.getQueries()) await em.execute(sql as string);
      this.logger.log(`${method === 'up' ? 'Applied' : 'Reverted'} ${name}`);
    } catch (err) {
      throw new MigrationFailedError(name, err);
    }
  }
}
