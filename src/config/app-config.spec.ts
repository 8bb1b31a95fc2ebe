import { ConfigError, loadConfig } from './app-config';

/** Distinctive values: if any of them shows up in a problem line, a secret leaked. */
const DB_PASSWORD = 'Pw-Zebra-7731-LEAK';
const SHORT_SECRET = 'short-Secret-Quokka';
const GOOD_SECRET = 'a-good-migrate-secret-0123456789-Okapi';
const SESSION_SECRET = 'a-good-session-secret-0123456789-Narwhal';
const PROD_URL = `postgresql://villa:${DB_PASSWORD}@db.example.internal:25060/villa?sslmode=require`;

const production = (overrides: Record<string, string | undefined> = {}) => ({
  NODE_ENV: 'production',
  DATABASE_URL: PROD_URL,
  MIGRATE_SECRET: GOOD_SECRET,
  SESSION_SECRET,
  SIWE_DOMAINS: 'app.villa.cash',
  CHAIN_RPC_URL: 'https://base-mainnet.example/v2/key',
  ...overrides,
});

/** The problem lines of a rejected environment (fails the test if the environment is accepted). */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error(`expected ${JSON.stringify(Object.keys(env))} to be rejected`);
}

function expectNoSecretIn(lines: string[]): void {
  for (const line of lines) {
    for (const secret of [DB_PASSWORD, SHORT_SECRET, GOOD_SECRET, SESSION_SECRET]) expect(line).not.toContain(secret);
  }
}

describe('loadConfig', () => {
  describe('defaults (no environment at all)', () => {
    const config = loadConfig({});

    it('is development, on 0.0.0.0:3000, with the embedded database', () => {
      expect(config.nodeEnv).toBe('development');
      expect(config.isProduction).toBe(false);
      expect(config.port).toBe(3000);
      expect(config.host).toBe('0.0.0.0');
      expect(config.database.url).toBeNull();
      expect(config.database.embeddedDataDir).toBe('./.data');
    });

    it('bounds database waits and migrates at boot outside production', () => {
      expect(config.database).toMatchObject({
        poolMax: 10,
        connectTimeoutMs: 5000,
        statementTimeoutMs: 15_000,
        queryTimeoutMs: 20_000,
        batchLookups: true,
        migrateOnBoot: true,
        caCert: null,
        migrationUrl: null,
      });
    });

    it('gives no secret a default', () => {
      expect(config.admin.migrateSecret).toBeNull();
    });
  });

  describe('numbers are parsed strictly', () => {
    it('reads a plain integer', () => {
      expect(loadConfig({ PORT: '8080', DATABASE_POOL_MAX: ' 4 ' }).port).toBe(8080);
      expect(loadConfig({ DATABASE_POOL_MAX: ' 4 ' }).database.poolMax).toBe(4);
    });

    it.each(['12abc', '1e3', '80.5', '0x50', 'eighty'])('rejects PORT=%j instead of guessing a number', (port) => {
      const problems = problemsOf({ PORT: port });
      expect(problems).toEqual([expect.stringMatching(/^PORT\b.*integer/)]);
    });

    it.each(['', '   '])('treats an empty PORT (%j) as unset: the default 3000, never port 0', (port) => {
      expect(loadConfig({ PORT: port }).port).toBe(3000);
    });

    it('rejects a PORT out of range', () => {
      expect(problemsOf({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT\b/)]);
      expect(problemsOf({ PORT: '-1' })).toEqual([expect.stringMatching(/^PORT\b/)]);
    });

    it('validates pool size and connect timeout', () => {
      expect(problemsOf({ DATABASE_POOL_MAX: '0' })).toEqual([expect.stringMatching(/^DATABASE_POOL_MAX\b/)]);
      expect(problemsOf({ DATABASE_CONNECT_TIMEOUT_MS: '5s' })).toEqual([
        expect.stringMatching(/^DATABASE_CONNECT_TIMEOUT_MS\b.*integer/),
      ]);
      expect(loadConfig({ DATABASE_CONNECT_TIMEOUT_MS: '1000' }).database.connectTimeoutMs).toBe(1000);
    });
  });

  describe('booleans are parsed strictly', () => {
    it.each([
      ['false', false],
      ['FALSE', false],
      ['0', false],
      ['no', false],
      ['true', true],
      ['1', true],
      ['yes', true],
    ])('MIGRATE_ON_BOOT=%j is %s', (raw, expected) => {
      expect(loadConfig({ MIGRATE_ON_BOOT: raw }).database.migrateOnBoot).toBe(expected);
    });

    it('rejects an unknown boolean rather than treating any string as true', () => {
      expect(problemsOf({ MIGRATE_ON_BOOT: 'maybe' })).toEqual(['MIGRATE_ON_BOOT must be true or false']);
    });

    it('defaults MIGRATE_ON_BOOT to false in production (the deploy job migrates)', () => {
      expect(loadConfig(production()).database.migrateOnBoot).toBe(false);
    });

    it('batches lookups unless DATABASE_BATCH_LOOKUPS=false', () => {
      expect(loadConfig(production()).database.batchLookups).toBe(true);
      expect(loadConfig({ DATABASE_BATCH_LOOKUPS: 'false' }).database.batchLookups).toBe(false);
      expect(problemsOf({ DATABASE_BATCH_LOOKUPS: 'sometimes' })).toEqual(['DATABASE_BATCH_LOOKUPS must be true or false']);
    });
  });

  it('rejects an unknown NODE_ENV, naming the accepted values', () => {
    expect(problemsOf({ NODE_ENV: 'prod' })).toEqual(['NODE_ENV must be one of development, test, production']);
    expect(problemsOf({ NODE_ENV: 'Production' })).toEqual([expect.stringMatching(/^NODE_ENV must be one of/)]);
  });

  describe('production fails closed', () => {
    it('accepts a complete production environment', () => {
      const config = loadConfig(production());
      expect(config.isProduction).toBe(true);
      expect(config.database.url).toBe(PROD_URL);
      expect(config.admin.migrateSecret).toBe(GOOD_SECRET);
    });

    it('requires DATABASE_URL (no embedded database in production)', () => {
      const problems = problemsOf(production({ DATABASE_URL: undefined }));
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL must be a postgres/)]);
    });

    it('treats a blank DATABASE_URL as missing', () => {
      expect(problemsOf(production({ DATABASE_URL: '  ' }))).toEqual([expect.stringMatching(/^DATABASE_URL\b/)]);
    });

    it.each([
      ['an http URL', `https://villa:${DB_PASSWORD}@db.example.internal/villa`],
      ['no database name', `postgresql://villa:${DB_PASSWORD}@db.example.internal:25060`],
      ['no scheme', `villa:${DB_PASSWORD}@db.example.internal:25060/villa`],
      ['an invalid port', `postgresql://villa:${DB_PASSWORD}@db.example.internal:99999/villa`],
      ['an unknown sslmode', `postgresql://villa:${DB_PASSWORD}@db.example.internal/villa?sslmode=sometimes`],
    ])('rejects a DATABASE_URL with %s, without echoing it', (_case, url) => {
      const problems = problemsOf(production({ DATABASE_URL: url }));
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL\b/)]);
      expectNoSecretIn(problems);
      for (const line of problems) expect(line).not.toContain('db.example.internal');
    });

    it('requires MIGRATE_SECRET', () => {
      expect(problemsOf(production({ MIGRATE_SECRET: undefined }))).toEqual(['MIGRATE_SECRET is required']);
    });

    it('requires MIGRATE_SECRET to be at least 32 characters, without echoing it', () => {
      const problems = problemsOf(production({ MIGRATE_SECRET: SHORT_SECRET }));
      expect(problems).toEqual(['MIGRATE_SECRET must be at least 32 characters']);
      expectNoSecretIn(problems);
      expect(loadConfig(production({ MIGRATE_SECRET: 'x'.repeat(32) })).admin.migrateSecret).toHaveLength(32);
    });

    it('reports every bad variable at once, one line each, and no value', () => {
      const problems = problemsOf(
        production({
          DATABASE_URL: `mysql://villa:${DB_PASSWORD}@db.example.internal/villa`,
          MIGRATE_SECRET: SHORT_SECRET,
          PORT: '12abc',
        }),
      );
      expect(problems).toHaveLength(3);
      expect(problems.map((p) => p.split(/\W/)[0]).sort()).toEqual(['DATABASE_URL', 'MIGRATE_SECRET', 'PORT']);
      expectNoSecretIn(problems);
    });

    it('keeps values out of the error message too, not only out of `problems`', () => {
      const err = (() => {
        try {
          loadConfig(production({ DATABASE_URL: `postgres://villa:${DB_PASSWORD}@h`, MIGRATE_SECRET: SHORT_SECRET }));
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(err.message).toContain('DATABASE_URL');
      expect(err.message).toContain('MIGRATE_SECRET');
      expect(err.message).not.toContain(DB_PASSWORD);
      expect(err.message).not.toContain(SHORT_SECRET);
      expect(JSON.stringify(err)).not.toContain(DB_PASSWORD);
    });
  });

  describe('outside production', () => {
    it('validates a DATABASE_URL when one is given', () => {
      expect(problemsOf({ DATABASE_URL: 'not a url' })).toEqual([expect.stringMatching(/^DATABASE_URL\b/)]);
    });

    it('still refuses a short MIGRATE_SECRET when one is given', () => {
      expect(problemsOf({ MIGRATE_SECRET: SHORT_SECRET })).toEqual(['MIGRATE_SECRET must be at least 32 characters']);
    });
  });

  describe('HTTP limits and the API docs', () => {
    it('bounds a request at 15 s and the shutdown grace at 10 s by default, and serves the docs outside production only', () => {
      expect(loadConfig({}).http).toEqual({ requestTimeoutMs: 15_000, shutdownGraceMs: 10_000, docsEnabled: true });
      expect(loadConfig(production()).http.docsEnabled).toBe(false);
      expect(loadConfig(production({ DOCS_ENABLED: 'true' })).http.docsEnabled).toBe(true);
      expect(loadConfig({ DOCS_ENABLED: 'no' }).http.docsEnabled).toBe(false);
    });

    it('reads the values given', () => {
      expect(loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '2000', SHUTDOWN_GRACE_MS: '0' }).http).toMatchObject({
        requestTimeoutMs: 2000,
        shutdownGraceMs: 0,
      });
    });

    it.each([
      ['HTTP_REQUEST_TIMEOUT_MS', '15s'],
      ['HTTP_REQUEST_TIMEOUT_MS', '1e4'],
      ['SHUTDOWN_GRACE_MS', '10.5'],
    ])('rejects %s=%j instead of guessing a number', (variable, value) => {
      expect(problemsOf({ [variable]: value })).toEqual([`${variable} must be an integer`]);
    });

    it.each([
      ['HTTP_REQUEST_TIMEOUT_MS', '0'], // 0 is Fastify's "no timeout": the hole this bound closes
      ['HTTP_REQUEST_TIMEOUT_MS', '999'],
      ['HTTP_REQUEST_TIMEOUT_MS', '300001'],
      ['SHUTDOWN_GRACE_MS', '-1'],
      ['SHUTDOWN_GRACE_MS', '600001'],
    ])('rejects %s=%s (out of bounds)', (variable, value) => {
      expect(problemsOf({ [variable]: value })).toEqual([expect.stringMatching(new RegExp(`^${variable} must not be`))]);
    });

    it('rejects an unknown DOCS_ENABLED', () => {
      expect(problemsOf({ DOCS_ENABLED: 'sometimes' })).toEqual(['DOCS_ENABLED must be true or false']);
    });
  });

  describe('the embedded database is an input, not a change made afterwards', () => {
    const EMBEDDED_URL = 'postgresql://postgres@127.0.0.1:54321/postgres';

    it('without DATABASE_URL: the embedded URL, marked embedded, on a pool of 1', () => {
      expect(loadConfig({ DATABASE_POOL_MAX: '8' }, { embeddedDatabaseUrl: EMBEDDED_URL }).database).toMatchObject({
        url: EMBEDDED_URL,
        embedded: true,
        poolMax: 1,
      });
    });

    it('with DATABASE_URL: that database, the input is not used', () => {
      const url = 'postgresql://postgres@127.0.0.1:5432/villa';
      expect(loadConfig({ DATABASE_URL: url }, { embeddedDatabaseUrl: EMBEDDED_URL }).database).toMatchObject({
        url,
        embedded: false,
        poolMax: 10,
      });
    });
  });

  describe('the validated config is immutable', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.villa.example' });
    const writable = config as unknown as {
      port: number;
      database: { url: string | null; poolMax: number };
      corsOrigins: string[];
      nickname: { reserved: string[] };
    };

    it.each([
      ['a top-level value', () => (writable.port = 1)],
      ['a whole section', () => (writable.database = { url: 'postgresql://x@h/db', poolMax: 1 })],
      ['a nested value', () => (writable.database.url = 'postgresql://x@h/db')],
      ['a list', () => writable.corsOrigins.push('https://evil.example')],
      ['a nested list', () => writable.nickname.reserved.splice(0)],
    ])('changing %s throws', (_what, mutate) => {
      expect(mutate).toThrow(TypeError);
    });

    it('and nothing changed', () => {
      expect(config.port).toBe(3000);
      expect(config.database).toMatchObject({ url: null, poolMax: 10 });
      expect(config.corsOrigins).toEqual(['https://app.villa.example']);
      expect(config.nickname.reserved).toContain('admin');
    });
  });

  describe('DATABASE_CA_CERT', () => {
    const pemBody = 'MIIBszCCAVmgAwIBAgIUQ0FfVGVzdA==';

    it('accepts a PEM pasted with literal \\n escapes and restores the newlines', () => {
      const raw = `-----BEGIN CERTIFICATE-----\\n${pemBody}\\n-----END CERTIFICATE-----`;
      expect(loadConfig({ DATABASE_CA_CERT: raw }).database.caCert).toBe(
        `-----BEGIN CERTIFICATE-----\n${pemBody}\n-----END CERTIFICATE-----`,
      );
    });

    it('rejects anything that is not a PEM certificate, without echoing it', () => {
      const problems = problemsOf({ DATABASE_CA_CERT: pemBody });
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_CA_CERT must be a PEM certificate/)]);
      for (const line of problems) expect(line).not.toContain(pemBody);
    });
  });
});
