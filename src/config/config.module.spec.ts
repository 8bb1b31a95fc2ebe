import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppConfig, ConfigError, loadConfig } from './app-config';
import { ConfigSource, loadConfigModule } from './config.module';
import { EnvSchema } from './env.schema';

const FILE_SECRET = 'short-Secret-From-File-Ibex';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://villa:pw@db.example.internal:25060/villa?sslmode=require',
  MIGRATE_SECRET: 'a-good-migrate-secret-0123456789-Okapi',
  SESSION_SECRET: 'a-good-session-secret-0123456789-Narwhal',
  SIWE_DOMAINS: 'app.villa.cash',
  CHAIN_RPC_URL: 'https://rpc.example',
};

describe('loadConfigModule (@nestjs/config)', () => {
  let dir: string;
  let envFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'villa-config-'));
    envFile = join(dir, '.env');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const withFile = (lines: string[], source: ConfigSource) => {
    writeFileSync(envFile, `${lines.join('\n')}\n`);
    return loadConfigModule({ envFile, ...source });
  };

  async function problemsOf(load: Promise<unknown>): Promise<string[]> {
    const err = await load.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }

  it('reads the .env file in development', async () => {
    const { config } = await withFile(['PORT=4321', 'DATABASE_BATCH_LOOKUPS=false'], { env: { NODE_ENV: 'development' } });
    expect(config.port).toBe(4321);
    expect(config.database.batchLookups).toBe(false);
  });

  it('lets a variable set in the environment win over the file', async () => {
    const { config } = await withFile(['PORT=4321'], { env: { NODE_ENV: 'development', PORT: '5000' } });
    expect(config.port).toBe(5000);
  });

  it('ignores the .env file in production, even one that would not validate', async () => {
    const { config } = await withFile(['PORT=4321', 'DATABASE_POOL_MAX=lots', `MIGRATE_SECRET=${FILE_SECRET}`], { env: production });
    expect(config.port).toBe(3000);
    expect(config.database.poolMax).toBe(10);
    expect(config.admin.migrateSecret).toBe(production.MIGRATE_SECRET);
  });

  it('refuses NODE_ENV=production from the .env file: production is decided by the environment', async () => {
    const { NODE_ENV: _, ...rest } = production;
    const problems = await problemsOf(withFile(['NODE_ENV=production'], { env: rest }));
    expect(problems).toEqual(['NODE_ENV=production must be set in the environment: .env is read only outside production']);
  });

  it('validates the file like the environment: one line naming the variable, never its value', async () => {
    const problems = await problemsOf(withFile([`MIGRATE_SECRET=${FILE_SECRET}`, 'PORT=80abc'], { env: { NODE_ENV: 'test' } }));
    expect(problems).toEqual(['PORT must be an integer', 'MIGRATE_SECRET must be at least 32 characters']);
    expect(problems.join('\n')).not.toContain(FILE_SECRET);
  });

  it('takes .env.example as a .env: it validates, and its values are the defaults', async () => {
    const { config } = await loadConfigModule({ env: {}, envFile: join(__dirname, '..', '..', '.env.example') });
    expect(config).toEqual(loadConfig({}));
  });

  it('reads no file with envFile: null', async () => {
    const { config } = await withFile(['PORT=4321'], { env: { NODE_ENV: 'development' }, envFile: null });
    expect(config.port).toBe(3000);
  });

  describe('in a Nest module', () => {
    it('provides AppConfig by class (the frozen config itself) and ConfigService over the typed variables', async () => {
      const loaded = await withFile(['PORT=4321'], { env: { NODE_ENV: 'test', DATABASE_BATCH_LOOKUPS: 'no' } });
      const moduleRef = await Test.createTestingModule({ imports: [loaded.module] }).compile();

      expect(moduleRef.get(AppConfig)).toBe(loaded.config);
      expect(Object.isFrozen(moduleRef.get(AppConfig).database)).toBe(true);
      const env = moduleRef.get<ConfigService<EnvSchema, true>>(ConfigService);
      expect(env.get('PORT', { infer: true })).toBe(4321);
      expect(env.get('DATABASE_BATCH_LOOKUPS', { infer: true })).toBe(false);
      // Only validated variables: nothing raw from process.env comes through ConfigService.
      expect(env.get('PATH' as keyof EnvSchema)).toBeUndefined();
      await moduleRef.close();
    });
  });
});
