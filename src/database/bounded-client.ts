import { Client } from 'pg';

/**
 * An error PostgreSQL itself answered (pg's DatabaseError: a severity and a SQLSTATE), after which
 * the connection is fine — unlike Node's socket errors (EPIPE, ECONNRESET), which carry a code too.
 */
export function isServerAnswer(err: unknown): boolean {
  const e = err as { severity?: unknown; code?: unknown } | null;
  return typeof e?.severity === 'string' && typeof e.code === 'string';
}

/**
 * The pool's connection class (pg's `Client` pool option): a query that fails without an answer from
 * PostgreSQL — the client gave up (query_timeout) or the socket failed — closes the connection. The
 * server may still be running that statement inside our transaction, so the connection must never be
 * reused; closed, it is dropped by the pool on release and the server rolls back and frees its locks.
 */
export class BoundedClient extends Client {
  private abandoned = false;

  // pg's overloads (callbacks, Submittables such as cursors) pass through; promises are watched.
  query(...args: unknown[]): never {
    // The transaction's rollback on an abandoned connection: closing it is the rollback. Sent, it would
    // fail, and Kysely would then never release the connection to the pool.
    if (this.abandoned && args[0] === 'rollback') return Promise.resolve({ command: 'ROLLBACK', rowCount: null, rows: [] }) as never;
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result instanceof Promise) {
      return result.catch((err: unknown) => {
        if (!isServerAnswer(err) && !this.abandoned) {
          this.abandoned = true;
          this.end().catch(() => undefined);
        }
        throw err;
      }) as never;
    }
    return result as never;
  }
}
