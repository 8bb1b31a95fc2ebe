import { HttpException, HttpStatus } from '@nestjs/common';
import { ConnectionException } from '@mikro-orm/core';

/** An HTTP error whose JSON body is exactly `body` (the contract fixes some bodies beyond `error`). */
export class JsonHttpException extends HttpException {
  constructor(status: HttpStatus, body: Record<string, unknown> | null, headers: Record<string, string> = {}) {
    super(body ?? 'null', status);
    this.body = body;
    this.headers = headers;
  }
  readonly body: Record<string, unknown> | null;
  readonly headers: Record<string, string>;
}

/** The database could not be reached or did not answer in time. */
export class DatabaseUnavailableError extends Error {
  constructor(readonly cause?: unknown) {
    super('Database not available');
    this.name = 'DatabaseUnavailableError';
  }
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled: statement_timeout fired (the server too slow or a row held too long)
  '55P03', // lock_not_available: a write waited DATABASE_LOCK_TIMEOUT_MS for a row another session holds
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
]);

/** True when an error means "the database is not there right now" rather than "the query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError || err instanceof ConnectionException) return true;
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  // pg and pg-pool's own words (MikroORM 7 hands their errors through): acquire or connect timeout,
  // a dropped socket, query_timeout, a connection closed after one of those.
  if (
    /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connect ECONNREFUSED|Client has encountered a connection error|Client was closed and is not queryable/i.test(
      message,
    )
  ) {
    return true;
  }
  return e.cause !== undefined && e.cause !== err && isDatabaseUnavailable(e.cause);
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
