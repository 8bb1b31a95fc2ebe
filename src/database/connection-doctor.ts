import { lookup } from 'node:dns/promises';
import { connect, isIP, Socket } from 'node:net';
import { connect as tlsConnect, ConnectionOptions, TLSSocket } from 'node:tls';
import { MikroORM } from '@mikro-orm/postgresql';
import { AppConfig } from '../config/app-config';
import { describeConnectionError } from './connection-diagnostics';
import { ParsedDatabaseUrl, parseDatabaseUrl, redactUrl, tlsOptions } from './connection-options';
import { MigrationEntry, MIGRATIONS_TABLE } from './migration-runner';
import { openOrm } from './orm.config';
import { withTimeout } from './timeout';

/** Each diagnosis has its own exit code, so a script (or a person) can tell them apart. */
export const DOCTOR_EXIT_CODES = {
  ok: 0,
  config: 2,
  dns: 3,
  'private-host': 4,
  tcp: 5,
  'no-answer': 6,
  'not-postgres': 7,
  tls: 8,
  login: 9,
  database: 10,
  migrations: 11,
} as const;
export type Diagnosis = keyof typeof DOCTOR_EXIT_CODES;

export type Verdict = 'ok' | 'warn' | 'fail' | 'info';
export interface DoctorLine {
  verdict: Verdict;
  step: string;
  text: string;
}

/** A step failed: the walk stops here with this diagnosis. */
class StepFailed extends Error {
  constructor(
    readonly diagnosis: Diagnosis,
    readonly step: string,
    readonly text: string,
  ) {
    super(text);
  }
}

/** The first message of PostgreSQL's protocol a client may send: "do you speak TLS?" — answered with one byte. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const TLS_YES = 0x53; // 'S'
const TLS_NO = 0x4e; // 'N'

/** 10/8, 172.16/12, 192.168/16 and IPv6 unique-local fc00::/7: addresses only a private network routes. */
export function isPrivateAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split('.').map(Number);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return isIP(ip) === 6 && /^f[cd]/i.test(ip);
}

/** DigitalOcean names a managed database's VPC-only endpoint `private-<cluster>…`. */
export function isVpcPrivateHost(host: string): boolean {
  return /^private-/i.test(host) || isPrivateAddress(host);
}

const BINDING_FIX =
  'bind DATABASE_URL to ${<database component>.DATABASE_URL} (scope RUN_TIME) in .do/app.yaml instead of setting ' +
  'it by hand, and App Platform gives each deploy a host the app can reach';

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}

/** The server's one-byte answer to SSLRequest; null when it closed the connection instead; 'timeout' when silent. */
function answerToSslRequest(socket: Socket, timeoutMs: number): Promise<number | null | 'timeout'> {
  return new Promise((resolve) => {
    const done = (answer: number | null | 'timeout') => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.pause();
      resolve(answer);
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.once('data', (chunk: Buffer) => done(chunk[0]));
    socket.once('close', () => done(null));
    socket.once('error', () => done(null));
    socket.write(SSL_REQUEST);
  });
}

function tlsHandshake(socket: Socket, options: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ ...options, socket });
    const timer = setTimeout(() => {
      tls.destroy();
      reject(Object.assign(new Error('TLS handshake timeout'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(tls);
    });
    tls.once('error', (err) => {
      clearTimeout(timer);
      tls.destroy();
      reject(err);
    });
  });
}

function showByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  return byte >= 0x20 && byte < 0x7f ? `"${String.fromCharCode(byte)}" (${hex})` : hex;
}

/**
 * `npm run doctor`: walks the path from this process to the database one step at a time — DNS, TCP,
 * the PostgreSQL handshake, TLS as sslmode asks, login, migrations — reporting one line per step and
 * stopping at the first failure with a hint and its own exit code. Read-only: it creates nothing and
 * takes no lock. Never reports a password or the CA certificate.
 */
export class ConnectionDoctor {
  private readonly timeoutMs: number;

  constructor(
    private readonly config: AppConfig,
    private readonly migrations: MigrationEntry[],
    private readonly report: (line: DoctorLine) => void,
  ) {
    this.timeoutMs = config.database.connectTimeoutMs;
  }

  /** Runs every step and returns the process exit code (0: all passed). */
  async run(): Promise<number> {
    const db = this.config.database;
    if (!db.url) {
      this.report({ verdict: 'fail', step: 'config', text: 'DATABASE_URL is not set: the app would use the embedded database, so there is no connection to diagnose' });
      this.report({ verdict: 'info', step: 'result', text: `config (exit code ${DOCTOR_EXIT_CODES.config})` });
      return DOCTOR_EXIT_CODES.config;
    }
    const targets: [string, string][] = [['DATABASE_URL', db.url]];
    if (db.migrationUrl) targets.push(['DATABASE_MIGRATION_URL', db.migrationUrl]);
    this.report({
      verdict: 'ok',
      step: 'config',
      text: `valid (NODE_ENV=${this.config.nodeEnv}); ${targets.map(([name, url]) => `${name}=${redactUrl(url)}`).join('; ')}; ` +
        `CA certificate ${db.caCert ? 'given (DATABASE_CA_CERT)' : 'not given'}; timeout ${this.timeoutMs} ms`,
    });

    let orm: MikroORM | null = null;
    try {
      for (const [name, url] of targets) {
        if (targets.length > 1) this.report({ verdict: 'info', step: name, text: redactUrl(url) });
        const connected = await this.walk(url);
        if (orm) await connected.close(true);
        else orm = connected;
      }
      await this.checkMigrations(orm!);
      this.report({ verdict: 'info', step: 'result', text: 'every check passed' });
      return DOCTOR_EXIT_CODES.ok;
    } catch (err) {
      if (!(err instanceof StepFailed)) throw err;
      this.report({ verdict: 'fail', step: err.step, text: err.text });
      this.report({ verdict: 'info', step: 'result', text: `${err.diagnosis} (exit code ${DOCTOR_EXIT_CODES[err.diagnosis]})` });
      return DOCTOR_EXIT_CODES[err.diagnosis];
    } finally {
      await orm?.close(true);
    }
  }

  /** DNS → TCP → PostgreSQL handshake → TLS → login, for one URL; returns the logged-in ORM. */
  private async walk(url: string): Promise<MikroORM> {
    const target = parseDatabaseUrl(url);
    const where = `${target.host}:${target.port}`;
    const privateHost = isVpcPrivateHost(target.host);
    if (privateHost) {
      this.report({
        verdict: 'warn',
        step: 'private',
        text: `${target.host} is a VPC-private ${isIP(target.host) ? 'address' : 'hostname'}: it works only from inside the database's VPC. If this app runs outside it: ${BINDING_FIX}`,
      });
    }
    // A network failure towards a VPC-private host is most likely "outside the VPC": that is the diagnosis.
    const network = (diagnosis: Diagnosis, step: string, text: string) =>
      privateHost ? new StepFailed('private-host', step, `${text} — as expected for a VPC-private host used from outside its VPC (see ⚠ private)`) : new StepFailed(diagnosis, step, text);

    const addresses = await withTimeout(lookup(target.host, { all: true }), this.timeoutMs, () =>
      Object.assign(new Error('DNS lookup timeout'), { code: 'EAI_AGAIN' }),
    ).catch((err: unknown) => {
      throw network('dns', 'dns', describeConnectionError(err, target, this.timeoutMs));
    });
    const resolved = addresses.map((a) => a.address);
    this.report({ verdict: 'ok', step: 'dns', text: `${target.host} → ${resolved.join(', ')}` });
    if (!privateHost && resolved.some(isPrivateAddress)) {
      this.report({ verdict: 'warn', step: 'private', text: `${target.host} resolves to a private address: it works only from inside its network. If this app runs outside it: ${BINDING_FIX}` });
    }

    const socket = await tcpConnect(target.host, target.port, this.timeoutMs).catch((err: { code?: string }) => {
      throw network(
        'tcp',
        'tcp',
        err.code === 'ETIMEDOUT'
          ? `no TCP connection to ${where} within ${this.timeoutMs} ms: packets are dropped (a firewall, the database's trusted sources, or a private address used from outside its network)`
          : describeConnectionError(err, target, this.timeoutMs),
      );
    });
    try {
      this.report({ verdict: 'ok', step: 'tcp', text: `connected to ${where}` });
      const answer = await answerToSslRequest(socket, this.timeoutMs);
      if (answer === 'timeout') {
        throw network(
          'no-answer',
          'postgres',
          `connected to ${where}, but no answer to the PostgreSQL handshake within ${this.timeoutMs} ms: something accepts connections there and never speaks (a firewall or proxy holding the connection, or not PostgreSQL)`,
        );
      }
      if (answer !== TLS_YES && answer !== TLS_NO) {
        throw new StepFailed(
          'not-postgres',
          'postgres',
          answer === null
            ? `${where} closed the connection without answering the PostgreSQL handshake: not a PostgreSQL server — check the host and port in DATABASE_URL`
            : `${where} answered the PostgreSQL handshake with ${showByte(answer)}: not a PostgreSQL server — check the host and port in DATABASE_URL`,
        );
      }
      this.report({ verdict: 'ok', step: 'postgres', text: `${where} speaks PostgreSQL (TLS ${answer === TLS_YES ? 'offered' : 'not offered'})` });
      await this.checkTls(socket, target, answer === TLS_YES);
    } finally {
      socket.destroy();
    }
    return this.login(url, target);
  }

  private async checkTls(socket: Socket, target: ParsedDatabaseUrl, offered: boolean): Promise<void> {
    const caCert = this.config.database.caCert;
    const options = tlsOptions(target.sslMode, caCert);
    if (options === false) {
      this.report({ verdict: 'ok', step: 'tls', text: `not used (sslmode=${target.sslMode})` });
      return;
    }
    if (!offered) {
      throw new StepFailed('tls', 'tls', `sslmode=${target.sslMode} asks for TLS; ${describeConnectionError(new Error('The server does not support SSL connections'), target, this.timeoutMs)}`);
    }
    // Over an existing socket, `host` is what the certificate is checked against (it defaults to localhost).
    const servername = isIP(target.host) ? undefined : target.host;
    const tls = await tlsHandshake(socket, { ...options, host: target.host, servername }, this.timeoutMs).catch((err: { code?: string; message?: string }) => {
      const text =
        err.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
          ? `the server certificate is not for ${target.host} (sslmode=${target.sslMode} checks the host name): connect by the host name the certificate names`
          : caCert && /certificate|self[- ]signed/i.test(err.message ?? '')
            ? `the server certificate does not chain to DATABASE_CA_CERT: set it to this database's CA certificate [${err.code ?? err.message}]`
            : describeConnectionError(err, target, this.timeoutMs);
      throw new StepFailed('tls', 'tls', text);
    });
    const hostCheck = target.sslMode === 'verify-ca' ? ', host name not checked (verify-ca)' : '';
    this.report({ verdict: 'ok', step: 'tls', text: `${tls.getProtocol()}, certificate verified against ${caCert ? 'DATABASE_CA_CERT' : 'the system CAs'}${hostCheck}` });
    tls.destroy();
  }

  /** Logs in exactly as the app does: the same ORM options (pool of one), the same TLS and timeouts. */
  private async login(url: string, target: ParsedDatabaseUrl): Promise<MikroORM> {
    const orm = await openOrm({ ...this.config.database, poolMax: 1 }, url);
    const check = await orm.em.getConnection().checkConnection();
    if (!check.ok) {
      await orm.close(true);
      const code = (check.error as { code?: string } | undefined)?.code;
      // PgBouncer (a DigitalOcean connection pool) refuses startup parameters it cannot track.
      const pooler = /unsupported startup parameter/i.test(check.reason ?? '')
        ? ' — a connection pool (PgBouncer) refuses this startup parameter: set DATABASE_STATEMENT_TIMEOUT_MS=0 when DATABASE_URL points at a pool'
        : '';
      const text = describeConnectionError(check.error, target, this.timeoutMs);
      // The server's own words name the cause more precisely than its SQLSTATE ("role … does not exist").
      const server = check.reason && !text.includes(check.reason) ? ` (server: ${check.reason})` : '';
      throw new StepFailed(code === '3D000' ? 'database' : 'login', 'login', `${text}${server}${pooler}`);
    }
    const [who] = await orm.em
      .getConnection()
      .execute<{ role: string; database: string; version: string }[]>(
        `select current_user as role, current_database() as database, current_setting('server_version') as version`,
      );
    this.report({ verdict: 'ok', step: 'login', text: `as ${who.role} on database ${who.database} (PostgreSQL ${who.version})` });
    return orm;
  }

  /** Reads what ran without the runner: MigrationRunner.status() would create its table and wait for the migration lock. */
  private async checkMigrations(orm: MikroORM): Promise<void> {
    const connection = orm.em.getConnection();
    const [{ present }] = await connection.execute<{ present: boolean }[]>(`select to_regclass(?) is not null as present`, [MIGRATIONS_TABLE]);
    const executed = present ? (await connection.execute<{ name: string }[]>(`select name from ${MIGRATIONS_TABLE} order by id`)).map((r) => r.name) : [];
    const known = new Set(this.migrations.map((m) => m.name));
    const pending = this.migrations.map((m) => m.name).filter((name) => !executed.includes(name));
    const unknown = executed.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      this.report({ verdict: 'warn', step: 'migrations', text: `recorded but not in this build: ${unknown.join(', ')} (is this build older than the database?)` });
    }
    const counts = `${executed.length} executed, ${pending.length} pending`;
    if (pending.length > 0) {
      throw new StepFailed(
        'migrations',
        'migrations',
        `${counts}: ${pending.join(', ')} — apply them with the PRE_DEPLOY job (node dist/src/cli/migrate.js up) or npm run migration:up`,
      );
    }
    this.report({ verdict: 'ok', step: 'migrations', text: `${counts}${executed.length ? ` (latest ${executed[executed.length - 1]})` : ''}` });
  }
}
