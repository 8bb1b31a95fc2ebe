import { RawBuilder, sql } from 'kysely';
import { DatabaseUnavailableError } from '../common/errors';
import type { DatabaseConfig } from '../config/app-config';
import { Bulkhead } from './bulkhead';
import type { Db } from './query';

/** A transaction found every connection transactions may hold taken for DATABASE_CONNECT_TIMEOUT_MS: a 503. */
export class TransactionSlotTimeoutError extends DatabaseUnavailableError {
  constructor(limit: number, timeoutMs: number) {
    super();
    this.name = 'TransactionSlotTimeoutError';
    this.message = `no transaction slot within ${timeoutMs} ms (all ${limit} held, e.g. writes waiting on a row lock)`;
  }
}

/**
 * How the write transactions (the profile writes, which wait on row locks) run, one instance per pool:
 * - at most poolMax - 1 at once, so one connection stays for single statements (sign-in, session
 *   checks, reads) however many writes are stuck; a pool of 1 (embedded) shares its one connection;
 * - each row-lock wait bounded by DATABASE_LOCK_TIMEOUT_MS, so a write stuck behind a row held
 *   elsewhere hands its connection back (a 503) instead of keeping it until statement_timeout.
 */
export class WriteTransactions {
  /**
   * SET LOCAL: per transaction, so it holds behind PgBouncer too; sent with BEGIN in one round trip (no
   * parameters: pg uses the simple protocol, which allows two statements).
   */
  private readonly begin: RawBuilder<unknown>;
  private readonly slots: Bulkhead;

  constructor({ lockTimeoutMs, poolMax, connectTimeoutMs }: Pick<DatabaseConfig, 'lockTimeoutMs' | 'poolMax' | 'connectTimeoutMs'>) {
    this.begin = sql.raw(lockTimeoutMs ? `begin; set local lock_timeout = ${Math.trunc(lockTimeoutMs)}` : 'begin');
    const limit = Math.max(1, poolMax - 1);
    this.slots = new Bulkhead(limit, connectTimeoutMs, () => new TransactionSlotTimeoutError(limit, connectTimeoutMs));
  }

  /**
   * `work`'s queries in one transaction on one connection of `db`'s pool: committed if it returns,
   * rolled back if it throws. Kysely's connection() releases the connection on every path, BEGIN failing
   * included (MikroORM 7's em.transactional, Kysely's controlled transaction, leaks it then).
   */
  run<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
    return this.slots.run(() =>
      db.connection().execute(async (connection) => {
        await this.begin.execute(connection);
        try {
          const result = await work(connection);
          await sql`commit`.execute(connection);
          return result;
        } catch (err) {
          // On a connection BoundedClient abandoned, the rollback is answered locally: closing it rolled back.
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw err;
        }
      }),
    );
  }
}
