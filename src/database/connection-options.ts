import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ClientConfig } from 'pg';
import type { DatabaseConfig } from '../config/app-config';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface ParsedDatabaseUrl {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  sslMode: SslMode;
}

/**
 * Splits a postgres URL into the parts MikroORM reads, plus `sslmode`, which MikroORM silently
 * ignores in `clientUrl` (it keeps only host, port, user, password and database).
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  const parsed = new URL(url);
  const sslMode = (parsed.searchParams.get('sslmode') ?? 'disable').toLowerCase() as SslMode;
  if (!SSL_MODES.includes(sslMode)) throw new Error(`Unsupported sslmode in DATABASE_URL: ${sslMode}`);
  return {
    host: decodeURIComponent(parsed.hostname).replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    sslMode,
  };
}

/**
 * The TLS options handed to node-postgres. Any sslmode that asks for TLS gets a verified connection
 * (rejectUnauthorized: true), with the managed database's CA when given — DigitalOcean's CA is not in
 * the system store. `verify-ca` skips the hostname check, as libpq does.
 */
export function tlsOptions(sslMode: SslMode, caCert: string | null): TlsOptions | false {
  if (sslMode === 'disable' || sslMode === 'allow') return false;
  return {
    rejectUnauthorized: true,
    ...(caCert ? { ca: caCert } : {}),
    ...(sslMode === 'verify-ca' ? { checkServerIdentity: () => undefined } : {}),
  };
}

/**
 * What node-postgres is handed for every connection the app opens to `url`: the ORM's pool and the
 * readiness probe's own connection alike, so TLS and the timeouts cannot differ between them.
 */
export function pgConnectionOptions(db: DatabaseConfig, url: string): ClientConfig {
  const target = parseDatabaseUrl(url);
  return {
    host: target.host,
    port: target.port,
    user: target.user || undefined,
    password: target.password || undefined,
    database: target.database,
    ssl: tlsOptions(target.sslMode, db.caCert),
    connectionTimeoutMillis: db.connectTimeoutMs,
    // Server-side bound, sent at connect (0 behind PgBouncer, which refuses it as a startup parameter).
    statement_timeout: db.statementTimeoutMs || undefined,
    // Client-side bound, independent of it: a server that stops answering never sends statement_timeout.
    query_timeout: db.queryTimeoutMs || undefined,
    application_name: 'villa-profile-api',
    keepAlive: true,
  };
}

/** A URL safe to print: the password is masked. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '*****';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
