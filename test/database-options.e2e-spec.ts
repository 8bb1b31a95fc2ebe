import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config/app-config';
import { describeConnectionError } from '../src/database/connection-diagnostics';
import { parseDatabaseUrl } from '../src/database/connection-options';
import { buildOrmOptions, openOrm } from '../src/database/orm.config';
import { currentTarget } from './support/pg-target';
import { TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FfVGVzdA==\n-----END CERTIFICATE-----';

function withSslMode(url: string, mode: string): string {
  const u = new URL(url);
  u.searchParams.set('sslmode', mode);
  return u.toString();
}

/** The ORM built and connected exactly as the app does it (MikroORM 7's connect builds the pool; no query yet). */
async function ormFor(url: string, env: Record<string, string> = {}): Promise<MikroORM> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url, ...env });
  return openOrm(config.database, url);
}

/** The TLS options buildOrmOptions hands the driver for a validated environment. */
function sslFor(env: Record<string, string>): { rejectUnauthorized?: boolean; ca?: string; checkServerIdentity?: () => unknown } | false {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  return (buildOrmOptions(config.database, config.database.url!).driverOptions as { ssl?: ReturnType<typeof sslFor> }).ssl!;
}

/** The error of a connection check that must fail. */
async function failedCheck(orm: MikroORM): Promise<Error | undefined> {
  const check = await orm.checkConnection();
  if (check.ok) throw new Error('expected the connection check to fail');
  return check.error;
}

/**
 * The options node-postgres is handed for each new connection, read back from the live pool (MikroORM 7
 * silently ignores options it does not pass on, such as v6's `driverOptions.connection`).
 */
async function driverConnectionOptions(orm: MikroORM): Promise<{ ssl?: unknown; connectionTimeoutMillis?: number }> {
  return (await orm.em.getConnection().getNativeClient()).options;
}

describe('database connection options', () => {
  describe('sslmode in DATABASE_URL reaches the driver (MikroORM ignores it in clientUrl)', () => {
    const url = 'postgresql://villa:pw@db.example.internal:25060/villa';

    it.each(['require', 'verify-full', 'prefer'])('sslmode=%s → a verified TLS connection (rejectUnauthorized)', (mode) => {
      expect(sslFor({ DATABASE_URL: withSslMode(url, mode) })).toEqual({ rejectUnauthorized: true });
    });

    it('passes the CA from DATABASE_CA_CERT (pasted with \\n escapes)', () => {
      const ssl = sslFor({ DATABASE_URL: withSslMode(url, 'require'), DATABASE_CA_CERT: CA_PEM.replace(/\n/g, '\\n') });
      expect(ssl).toEqual({ rejectUnauthorized: true, ca: CA_PEM });
    });

    it('verify-ca verifies the chain but not the host name, as libpq does', () => {
      const ssl = sslFor({ DATABASE_URL: withSslMode(url, 'verify-ca'), DATABASE_CA_CERT: CA_PEM });
      expect(ssl).toEqual({ rejectUnauthorized: true, ca: CA_PEM, checkServerIdentity: expect.any(Function) });
      expect(ssl && ssl.checkServerIdentity?.()).toBeUndefined();
    });

    it.each([
      ['no sslmode', url],
      ['sslmode=disable', withSslMode(url, 'disable')],
    ])('%s → plaintext (ssl: false)', (_case, target) => {
      expect(sslFor({ DATABASE_URL: target })).toBe(false);
    });
  });

  describe('against the real server (which has no TLS)', () => {
    let db: TestDatabase;
    const orms: MikroORM[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      for (const orm of orms) await orm.close(true);
      await db.drop();
    });

    const onServer = currentTarget().mode === 'server' ? it : it.skip;

    onServer('sslmode=require really attempts TLS: the connection fails with the server refusing SSL', async () => {
      const url = withSslMode(db.url, 'require');
      const orm = await ormFor(url);
      orms.push(orm);
      expect((await driverConnectionOptions(orm)).ssl).toEqual({ rejectUnauthorized: true });

      const error = await failedCheck(orm);

      expect(error?.message).toMatch(/does not support SSL/);
      expect(describeConnectionError(error, parseDatabaseUrl(url), 1000)).toBe(
        `Cannot connect to PostgreSQL at 127.0.0.1:${new URL(db.url).port || 5432}/${db.name}: the server does not accept TLS: use sslmode=disable for a local server`,
      );
    });

    it('sslmode=disable connects to the same server', async () => {
      const orm = await ormFor(withSslMode(db.url, 'disable'));
      orms.push(orm);
      expect((await driverConnectionOptions(orm)).ssl).toBe(false);
      await expect(orm.checkConnection()).resolves.toEqual({ ok: true });
    });
  });

  describe('bounded waits', () => {
    let blackHole: TcpProxy;

    beforeAll(async () => {
      // Accepts TCP and never answers: a firewalled or VPC-private database seen from outside.
      blackHole = await TcpProxy.start('postgresql://127.0.0.1:1/none');
      blackHole.stall();
    });
    afterAll(async () => {
      await blackHole.close();
    });

    it('a database that accepts TCP and never answers fails the check within the connect timeout, naming host and cause', async () => {
      const url = `postgresql://villa:Pw-Zebra-7731-LEAK@127.0.0.1:${blackHole.port}/villa`;
      const orm = await ormFor(url, { DATABASE_CONNECT_TIMEOUT_MS: '1000' });
      try {
        expect((await driverConnectionOptions(orm)).connectionTimeoutMillis).toBe(1000);

        const line = describeConnectionError(await failedCheck(orm), parseDatabaseUrl(url), 1000);
        expect(line).toMatch(new RegExp(`^Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${blackHole.port}/villa: no answer within 1000 ms`));
        expect(line).not.toContain('Pw-Zebra-7731-LEAK');
      } finally {
        await orm.close(true);
      }
    }, 10_000); // the bound: MikroORM's defaults wait far longer than this
  });
});
