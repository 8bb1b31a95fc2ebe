import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Client as PgClient, QueryResultRow } from 'pg';
import { DatabaseUnavailableError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { Bulkhead } from './bulkhead';

/** One parameterized statement with `?` placeholders; its rows, plain. */
export type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

const PLACEHOLDER_SPLITS = new Map<string, string[]>();

/** The statements' `?` placeholders in pg's `$n` form; a list binds as `in ($1, $2, …)`, one value each. */
export function toPgQuery(sql: string, params: unknown[]): { text: string; values: unknown[] } {
  let parts = PLACEHOLDER_SPLITS.get(sql);
  if (!parts) PLACEHOLDER_SPLITS.set(sql, (parts = sql.split('?')));
  const values: unknown[] = [];
  let text = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const param = params[i - 1];
    text += (Array.isArray(param) ? param : [param]).map((value) => `$${values.push(value)}`).join(', ') + parts[i];
  }
  return { text, values };
}


/**
 * An error PostgreSQL itself answered (pg's DatabaseError: a severity and a SQLSTATE), after which
 * the connection is fine — unlike Node's socket errors (EPIPE, ECONNRESET), which carry a code too.
 */
function isServerAnswer(err: unknown): boolean {
  const e = err as { severity?: unknown; code?: unknown } | null;
  return typeof e?.severity === 'string' && typeof e.code === 'string';
}

/** A transaction found every connection transactions may hold taken for DATABASE_CONNECT_TIMEOUT_MS: a 503. */
export class TransactionSlotTimeoutError extends DatabaseUnavailableError {
  constructor(limit: number, timeoutMs: number) {
    super();
    this.name = 'TransactionSlotTimeoutError';
    this.message = `no transaction slot within ${timeoutMs} ms (all ${limit} held, e.g. writes waiting on a row lock)`;
  }
}

/**
 * How the repositories talk to PostgreSQL: parameterized statements sent straight to a connection of
 * the ORM's own pool (same size, timeouts and error handling: a pool timeout is a KnexTimeoutError,
 * a 503), plain rows back. No entity hydration, identity map, query building or value inlining: on
 * these paths knex's and MikroORM's query runners cost more than the database's answer.
 */
@Injectable()
export class PooledSql {
  /**
   * How a transaction starts. Each of its row-lock waits lasts at most DATABASE_LOCK_TIMEOUT_MS, so a
   * write stuck behind a row held elsewhere hands its connection back (503) instead of keeping it until
   * statement_timeout. SET LOCAL: per transaction, so it holds behind PgBouncer too; sent with BEGIN in
   * one round trip (no parameters: the simple protocol, which allows two statements).
   */
  private readonly begin: string;
  /**
   * Transactions (the profile writes, which wait on row locks) hold at most poolMax - 1 connections:
   * one stays for single statements (sign-in, session checks, reads) however many writes are stuck.
   */
  private readonly transactions: Bulkhead;

  constructor(
    private readonly orm: MikroORM,
    config: AppConfig,
  ) {
    const { lockTimeoutMs, poolMax, connectTimeoutMs } = config.database;
    this.begin = lockTimeoutMs ? `begin; set local lock_timeout = ${lockTimeoutMs}` : 'begin';
    const limit = Math.max(1, poolMax - 1);
    this.transactions = new Bulkhead(limit, connectTimeoutMs, () => new TransactionSlotTimeoutError(limit, connectTimeoutMs));
  }

  /** One statement on any pooled connection. */
  rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.withConnection((query) => query<T>(sql, params));
  }

  /** `work`'s statements in one transaction on one connection: committed if it returns, rolled back if it throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.transactions.run(() => this.transactionOnConnection(work));
  }

  private transactionOnConnection<T>(work: (query: Query) => Promise<T>): Promise<T> {
    return this.withConnection(async (query, broken) => {
      await query(this.begin, []);
      try {
        const result = await work(query);
        await query('commit', []);
        return result;
      } catch (err) {
        // A broken connection is closed by withConnection instead, which makes the server roll back;
        // a rollback sent on it would only wait out another query timeout.
        if (!broken()) await query('rollback', []).catch(() => undefined);
        throw err;
      }
    });
  }

  private async withConnection<T>(work: (query: Query, broken: () => boolean) => Promise<T>): Promise<T> {
    const client = this.orm.em.getKnex().client;
    const connection: PgClient = await client.acquireConnection();
    let broken = false;
    const query: Query = async <R>(sql: string, params: unknown[]) => {
      const { text, values } = toPgQuery(sql, params);
      // knex's `query` event still reports every statement, for tooling and for the suites that count queries.
      client.emit('query', { sql: text, bindings: values });
      try {
        return (await connection.query<R & QueryResultRow>(text, values)).rows;
      } catch (err) {
        // Not an answer from PostgreSQL: the client gave up (query_timeout) or the socket failed. The
        // server may still be running the statement inside our transaction, so this connection must
        // never be reused.
        if (!isServerAnswer(err)) broken = true;
        throw err;
      }
    };
    try {
      return await work(query, () => broken);
    } finally {
      // Ending it makes the server roll back and drop its locks; knex then discards it on release.
      if (broken) await connection.end().catch(() => undefined);
      client.releaseConnection(connection);
    }
  }
}
