import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { MIGRATIONS } from '../migrations';
import { COMPILED_MIGRATE_CLI, ensureBuild, freePort, spawnNode } from './support/app-process';
import { currentTarget } from './support/pg-target';
import { createTestDatabase, TestDatabase } from './support/test-database';

const COMPILED_DOCTOR = join(__dirname, '..', 'dist', 'src', 'doctor.js');
/** Put into every URL (trust auth ignores it) unless the test server's URL has its own: never printed either way. */
let PASSWORD = 'Doctor-S3cret-pw-7f2a';

interface Run {
  code: number | null;
  output: string;
  /** Each step line as "<mark> <step>", in order: "✓ dns", "✗ tcp", "⚠ private". */
  marks: string[];
  line(step: string): string;
}

/** Runs the compiled doctor (`node dist/src/doctor.js`, what `npm run doctor` runs) with exactly `env`. */
async function doctor(env: Record<string, string>): Promise<Run> {
  const child = spawnNode(COMPILED_DOCTOR, env);
  const code = await child.exited(30_000);
  const output = child.output();
  const lines = output.split('\n').filter((l) => /^[✓✗⚠] /.test(l));
  return {
    code,
    output,
    marks: lines.map((l) => l.split(/\s+/).slice(0, 2).join(' ')),
    line: (step) => lines.find((l) => l.split(/\s+/)[1] === step) ?? `(no ${step} line in:\n${output})`,
  };
}

function url(base: string, changes: { host?: string; port?: number; database?: string; user?: string; sslmode?: string }): string {
  const u = new URL(base);
  u.password = PASSWORD;
  if (changes.host) u.hostname = changes.host;
  if (changes.port) u.port = String(changes.port);
  if (changes.database) u.pathname = `/${changes.database}`;
  if (changes.user) u.username = changes.user;
  if (changes.sslmode) u.searchParams.set('sslmode', changes.sslmode);
  return u.toString();
}

/** A loopback TCP server standing in for what sits at the database's address; its sockets die with it. */
async function stub(onConnection: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An ErrorResponse message as PgBouncer sends it when refusing a startup packet. */
function pgError(code: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[['S', 'FATAL'], ['V', 'FATAL'], ['C', code], ['M', message]].map(([k, v]) => Buffer.from(`${k}${v}\0`)),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}

/** A self-signed certificate (its own CA) for `subjectAltName`, made with the openssl CLI. */
function certificate(dir: string, name: string, subjectAltName: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=${subjectAltName}`,
  ], { stdio: 'pipe' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

describe('npm run doctor: one line per step, the first failure named with its own exit code', () => {
  let migrated: TestDatabase;
  let bare: TestDatabase;

  beforeAll(async () => {
    ensureBuild();
    [migrated, bare] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    PASSWORD = decodeURIComponent(new URL(migrated.url).password) || PASSWORD;
    const migrate = spawnNode(COMPILED_MIGRATE_CLI, { DATABASE_URL: migrated.url }, ['up']);
    expect(await migrate.exited(60_000)).toBe(0);
  });

  afterAll(async () => {
    await migrated?.drop();
    await bare?.drop();
  });

  // The embedded PGlite fallback has one role and one database: it accepts any name for either.
  const onServer = currentTarget().mode === 'server' ? it : it.skip;

  it('a healthy, migrated database: every step ✓, exit 0, migrations executed vs pending, no password printed', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, {}) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✓ login', '✓ migrations']);
    expect(run.code).toBe(0);
    const shown = new URL(url(migrated.url, {}));
    shown.password = '*****';
    expect(run.line('config')).toContain(`DATABASE_URL=${shown.toString()}`);
    expect(run.line('tls')).toContain('not used (sslmode=disable)');
    expect(run.line('login')).toMatch(new RegExp(`as \\S+ on database ${migrated.name} \\(PostgreSQL \\d+`));
    expect(run.line('migrations')).toContain(`${MIGRATIONS.length} executed, 0 pending (latest ${MIGRATIONS.at(-1)!.name})`);
    expect(run.output).toContain('every check passed');
    expect(run.output).not.toContain(PASSWORD);
  });

  it('pending migrations: ✗ migrations naming them and how to apply them (exit 11)', async () => {
    const run = await doctor({ DATABASE_URL: url(bare.url, {}) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✓ login', '✗ migrations']);
    expect(run.line('migrations')).toContain(
      `0 executed, ${MIGRATIONS.length} pending: ${MIGRATIONS.map((m) => m.name).join(', ')} — apply them with the PRE_DEPLOY job`,
    );
    expect(run.code).toBe(11);
    // Read-only: the doctor did not create the runner's table.
    expect(await bare.query(`select to_regclass('mikro_orm_migrations') as t`)).toEqual([{ t: null }]);
  });

  it('a host name that does not resolve: ✗ dns (exit 3)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { host: 'villa-db-does-not-exist.invalid' }) });
    expect(run.marks).toEqual(['✓ config', '✗ dns']);
    expect(run.line('dns')).toContain('the host name does not resolve (DNS): check the host in DATABASE_URL');
    expect(run.code).toBe(3);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('a VPC-private managed-database host name: called out with the binding fix before connecting (exit 4)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { host: 'private-villa-pg-do-user-1-0.db.invalid', port: 25060 }) });
    expect(run.marks).toEqual(['✓ config', '⚠ private', '✗ dns']);
    expect(run.line('private')).toContain('is a VPC-private hostname: it works only from inside the database');
    expect(run.line('private')).toContain('bind DATABASE_URL to ${<database component>.DATABASE_URL} (scope RUN_TIME) in .do/app.yaml');
    expect(run.line('dns')).toContain('as expected for a VPC-private host used from outside its VPC');
    expect(run.code).toBe(4);
  });

  it('a closed local port: ✗ tcp, connection refused (exit 5)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: await freePort() }) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✗ tcp']);
    expect(run.line('tcp')).toContain('connection refused: nothing is listening on that port');
    expect(run.code).toBe(5);
  });

  it('a server that accepts and never answers: ✗ postgres, named as a timeout (exit 6)', async () => {
    const silent = await stub(() => undefined);
    try {
      const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: silent.port }), DATABASE_CONNECT_TIMEOUT_MS: '1000' });
      expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✗ postgres']);
      expect(run.line('postgres')).toContain('no answer to the PostgreSQL handshake within 1000 ms');
      expect(run.code).toBe(6);
    } finally {
      await silent.close();
    }
  });

  it('a server that answers something else (HTTP): ✗ postgres, not PostgreSQL (exit 7)', async () => {
    const http = await stub((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    try {
      const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: http.port }) });
      expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✗ postgres']);
      expect(run.line('postgres')).toContain('answered the PostgreSQL handshake with "H" (0x48): not a PostgreSQL server');
      expect(run.code).toBe(7);
    } finally {
      await http.close();
    }
  });

  it('sslmode=require against a server without TLS: ✗ tls with the hint (exit 8)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { sslmode: 'require' }) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✗ tls']);
    expect(run.line('postgres')).toContain('TLS not offered');
    expect(run.line('tls')).toContain('sslmode=require asks for TLS');
    expect(run.line('tls')).toContain('the server does not accept TLS');
    expect(run.code).toBe(8);
  });

  onServer('a database that does not exist: ✗ login naming it (exit 10)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { database: 'villa_test_missing_db' }) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✗ login']);
    expect(run.line('login')).toContain('database "villa_test_missing_db" does not exist');
    expect(run.code).toBe(10);
  });

  onServer('a role that does not exist: ✗ login with the server’s reason (exit 9)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, { user: 'villa_no_such_role' }) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✗ login']);
    expect(run.line('login')).toContain('role "villa_no_such_role" does not exist');
    expect(run.code).toBe(9);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('a connection pool refusing statement_timeout (stub PgBouncer): ✗ login with the pool hint (exit 9)', async () => {
    // Answers an SSLRequest with "no TLS" and refuses a startup packet as PgBouncer does.
    const pooler = await stub((socket) => {
      socket.on('data', (packet: Buffer) => {
        if (packet.length === 8 && packet.readInt32BE(4) === 80877103) socket.write('N');
        else socket.end(pgError('08P01', 'unsupported startup parameter: statement_timeout'));
      });
    });
    try {
      const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: pooler.port }) });
      expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✗ login']);
      expect(run.line('login')).toContain('unsupported startup parameter: statement_timeout');
      expect(run.line('login')).toContain('set DATABASE_STATEMENT_TIMEOUT_MS=0 when DATABASE_URL points at a pool');
      expect(run.code).toBe(9);
    } finally {
      await pooler.close();
    }
  });

  it('DATABASE_MIGRATION_URL is walked too: a healthy app URL and a closed migration port (exit 5)', async () => {
    const run = await doctor({ DATABASE_URL: url(migrated.url, {}), DATABASE_MIGRATION_URL: url(migrated.url, { host: '127.0.0.1', port: await freePort() }) });
    expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✓ login', '✓ dns', '✗ tcp']);
    expect(run.output).toMatch(/DATABASE_MIGRATION_URL +postgresql:\/\/postgres:\*{5}@127\.0\.0\.1:\d+\//);
    expect(run.code).toBe(5);
    expect(run.output).not.toContain(PASSWORD);
  });

  it('an invalid or missing DATABASE_URL: ✗ config (exit 2)', async () => {
    const invalid = await doctor({ DATABASE_URL: `mysql://root:${PASSWORD}@127.0.0.1/villa` });
    expect(invalid.marks).toEqual(['✗ config']);
    expect(invalid.line('config')).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(invalid.code).toBe(2);
    expect(invalid.output).not.toContain(PASSWORD);

    const missing = await doctor({});
    expect(missing.line('config')).toContain('DATABASE_URL is not set: the app would use the embedded database');
    expect(missing.code).toBe(2);
  });

  describe('TLS as sslmode asks, with the CA when given (stub TLS server)', () => {
    let dir: string;
    let ip: { key: string; cert: string };
    let otherName: { key: string; cert: string };
    let servers: { port: number; close(): Promise<void> }[] = [];

    /** Answers SSLRequest with "S", completes the TLS handshake with `identity`, then hangs up (no PostgreSQL behind). */
    const tlsStub = async (identity: { key: string; cert: string }) => {
      const server = await stub((socket) => {
        socket.once('data', () => {
          socket.write('S');
          const tls = new TLSSocket(socket, { isServer: true, ...identity });
          tls.on('error', () => socket.destroy());
          tls.once('secure', () => tls.end());
        });
      });
      servers.push(server);
      return server.port;
    };
    const caLines = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'villa-doctor-tls-'));
      ip = certificate(dir, 'villa-doctor-ip', 'IP:127.0.0.1');
      otherName = certificate(dir, 'villa-doctor-name', 'DNS:db.villa.invalid');
    });
    afterAll(async () => {
      for (const s of servers) await s.close();
      servers = [];
      rmSync(dir, { recursive: true, force: true });
    });

    it('no CA given for a private CA: ✗ tls, "set DATABASE_CA_CERT" (exit 8)', async () => {
      const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: await tlsStub(ip), sslmode: 'require' }) });
      expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✗ tls']);
      expect(run.line('postgres')).toContain('TLS offered');
      expect(run.line('tls')).toContain('the server certificate is not trusted: set DATABASE_CA_CERT');
      expect(run.code).toBe(8);
    });

    it('with DATABASE_CA_CERT: ✓ tls (verified), then the stub fails the login (exit 9); the CA is never printed', async () => {
      const run = await doctor({
        DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: await tlsStub(ip), sslmode: 'verify-full' }),
        DATABASE_CA_CERT: ip.cert,
      });
      expect(run.marks).toEqual(['✓ config', '✓ dns', '✓ tcp', '✓ postgres', '✓ tls', '✗ login']);
      expect(run.line('config')).toContain('CA certificate given (DATABASE_CA_CERT)');
      expect(run.line('tls')).toMatch(/TLSv1\.[23], certificate verified against DATABASE_CA_CERT/);
      expect(run.code).toBe(9);
      for (const line of caLines(ip.cert)) expect(run.output).not.toContain(line);
    });

    it('a CA that did not sign the server certificate: ✗ tls naming DATABASE_CA_CERT (exit 8)', async () => {
      const run = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port: await tlsStub(ip), sslmode: 'require' }), DATABASE_CA_CERT: otherName.cert });
      expect(run.line('tls')).toContain('the server certificate does not chain to DATABASE_CA_CERT');
      expect(run.code).toBe(8);
    });

    it('verify-full to a host the certificate does not name: ✗ tls; verify-ca accepts it (chain only)', async () => {
      const port = await tlsStub(otherName);
      const full = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port, sslmode: 'verify-full' }), DATABASE_CA_CERT: otherName.cert });
      expect(full.line('tls')).toContain('the server certificate is not for 127.0.0.1');
      expect(full.code).toBe(8);

      const ca = await doctor({ DATABASE_URL: url(migrated.url, { host: '127.0.0.1', port, sslmode: 'verify-ca' }), DATABASE_CA_CERT: otherName.cert });
      expect(ca.line('tls')).toContain('host name not checked (verify-ca)');
      expect(ca.marks).toContain('✓ tls');
    });
  });
});
