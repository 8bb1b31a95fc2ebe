import { MikroORM } from '@mikro-orm/postgresql';
import { MIGRATIONS } from '../migrations';
import { loadConfig } from '../src/config/app-config';
import { MigrationFailedError, MigrationRunner, MIGRATIONS_TABLE } from '../src/database/migration-runner';
import { openOrm as openConfiguredOrm } from '../src/database/orm.config';
import { ensureBuild, COMPILED_MIGRATE_CLI, spawnNode } from './support/app-process';
import { currentTarget } from './support/pg-target';
import { createTestDatabase, TestDatabase } from './support/test-database';

const PROFILES_MIGRATION = 'Migration20261129000000_profiles';
const ALL = MIGRATIONS.map((m) => m.name);
/** The profiles migration alone: down() reverts the latest migration, and this suite is about this one. */
const PROFILES_ONLY = MIGRATIONS.filter((m) => m.name === PROFILES_MIGRATION);

/** The legacy table exactly as CONTRACT.md shows it, as the old Next.js routes created it. */
const LEGACY_PROFILES = `
  create table profiles (address varchar(42) primary key, nickname varchar(32) unique,
         nickname_normalized varchar(32) unique, avatar_style varchar(20),
         avatar_selection varchar(10), avatar_variant integer,
         nickname_change_count integer default 0, last_nickname_change timestamptz,
         created_at timestamptz default now(), updated_at timestamptz default now())`;

/** Stands in for the passkey table the service must never touch. */
const WEBAUTHN = `
  create table webauthn_credentials (
    id text primary key, address varchar(42) not null, public_key bytea not null,
    counter bigint not null default 0, transports text[], created_at timestamptz default now())`;

const addr = (hex2: string) => `0x${hex2.repeat(20)}`;

/** One legacy row per awkward case the old routes could leave behind. */
const LEGACY_ROWS: Record<string, unknown>[] = [
  {
    address: '0xABCDEF0123456789ABCDEF0123456789ABCDEF01', // mixed case, a complete row otherwise
    nickname: 'Alice', nickname_normalized: 'alice', avatar_style: 'avataaars', avatar_selection: 'female',
    avatar_variant: 42, nickname_change_count: 1, last_nickname_change: new Date('2025-03-01T10:00:00Z'),
    created_at: new Date('2025-01-01T00:00:00Z'), updated_at: new Date('2025-03-01T10:00:00Z'),
  },
  {
    address: '0xaBcDeF' + '0'.repeat(34), // no nickname, no avatar, null count, null created_at
    nickname: null, nickname_normalized: null, avatar_style: null, avatar_selection: null, avatar_variant: null,
    nickname_change_count: null, last_nickname_change: null, created_at: null, updated_at: new Date('2025-02-02T00:00:00Z'),
  },
  {
    address: addr('b0'), // a nickname whose normalized form was never written
    nickname: 'Bob_2', nickname_normalized: null, avatar_style: 'bottts', avatar_selection: null, avatar_variant: 0,
    nickname_change_count: 0, last_nickname_change: null, created_at: new Date('2025-01-05T00:00:00Z'), updated_at: null,
  },
  {
    address: addr('c0'), // only the normalized form survived
    nickname: null, nickname_normalized: 'carol', avatar_style: null, avatar_selection: null, avatar_variant: null,
    nickname_change_count: 2, last_nickname_change: new Date('2025-04-01T00:00:00Z'),
    created_at: new Date('2025-01-06T00:00:00Z'), updated_at: new Date('2025-04-01T00:00:00Z'),
  },
  {
    address: addr('D0'), // upper-case hex, a "normalized" form that is not lowercase, no timestamps at all
    nickname: 'DaVe', nickname_normalized: 'DaVe', avatar_style: 'avataaars', avatar_selection: 'male',
    avatar_variant: 7, nickname_change_count: null, last_nickname_change: null, created_at: null, updated_at: null,
  },
];

const COLUMNS = Object.keys(LEGACY_ROWS[0]);

const WEBAUTHN_ROWS = [
  ['cred-1', '0xABCDEF0123456789ABCDEF0123456789ABCDEF01', Buffer.from('pk-one'), 3, ['internal', 'hybrid']],
  ['cred-2', addr('b0'), Buffer.from('pk-two'), 0, null],
];

async function seedLegacy(db: TestDatabase, rows: Record<string, unknown>[] = LEGACY_ROWS): Promise<void> {
  await db.query(LEGACY_PROFILES);
  await db.query(WEBAUTHN);
  for (const row of rows) {
    // Explicit nulls on purpose: they override the column defaults, as old rows did.
    await db.query(
      `insert into profiles (${COLUMNS.join(', ')}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
      COLUMNS.map((c) => row[c]),
    );
  }
  for (const row of WEBAUTHN_ROWS) {
    await db.query('insert into webauthn_credentials (id, address, public_key, counter, transports) values ($1, $2, $3, $4, $5)', row);
  }
}

interface TableSchema {
  columns: Record<string, unknown>[];
  constraints: Record<string, unknown>[];
  indexes: Record<string, unknown>[];
}

/** Everything that makes a table's shape: columns, constraints (as PostgreSQL prints them), indexes. */
async function tableSchema(db: TestDatabase, table: string): Promise<TableSchema> {
  return {
    columns: await db.query(
      `select column_name, data_type, character_maximum_length, is_nullable, column_default
       from information_schema.columns where table_schema = 'public' and table_name = $1 order by ordinal_position`,
      [table],
    ),
    constraints: await db.query(
      `select conname, contype, pg_get_constraintdef(oid) as def from pg_constraint
       where conrelid = to_regclass($1) order by conname`,
      [`public.${table}`],
    ),
    indexes: await db.query(
      `select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename = $1 order by indexname`,
      [table],
    ),
  };
}

async function allRows(db: TestDatabase, table: 'profiles' | 'webauthn_credentials'): Promise<Record<string, unknown>[]> {
  return db.query(`select * from ${table} order by ${table === 'profiles' ? 'lower(address)' : 'id'}`);
}

async function recordedMigrations(db: TestDatabase): Promise<string[]> {
  const [{ exists }] = await db.query<{ exists: boolean }>(`select to_regclass('public.${MIGRATIONS_TABLE}') is not null as exists`);
  if (!exists) return [];
  return (await db.query<{ name: string }>(`select name from ${MIGRATIONS_TABLE} order by id`)).map((r) => r.name);
}

/** The ORM exactly as the app and the CLI configure it, on the given database. */
async function openOrm(db: TestDatabase): Promise<MikroORM> {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url });
  return openConfiguredOrm({ ...config.database, poolMax: 1 }, db.url);
}

/** Runs `work` with a runner on its own ORM, closing the ORM afterwards. */
async function withRunner<T>(db: TestDatabase, work: (runner: MigrationRunner) => Promise<T>, list = MIGRATIONS): Promise<T> {
  const orm = await openOrm(db);
  try {
    return await work(new MigrationRunner(orm, list));
  } finally {
    await orm.close();
  }
}

describe('migrations', () => {
  const databases: TestDatabase[] = [];
  const freshDatabase = async () => {
    const db = await createTestDatabase();
    databases.push(db);
    return db;
  };

  let fromEmpty: TestDatabase;
  let fromLegacy: TestDatabase;
  let webauthnBefore: { rows: Record<string, unknown>[]; schema: TableSchema };

  beforeAll(async () => {
    fromEmpty = await freshDatabase();
    fromLegacy = await freshDatabase();
    await seedLegacy(fromLegacy);
    webauthnBefore = {
      rows: await allRows(fromLegacy, 'webauthn_credentials'),
      schema: await tableSchema(fromLegacy, 'webauthn_credentials'),
    };
  });

  afterAll(async () => {
    for (const db of databases) await db.drop();
  });

  it('creates profiles on an empty database, and status() lists executed and pending', async () => {
    await withRunner(fromEmpty, async (runner) => {
      await expect(runner.status()).resolves.toEqual({ executed: [], pending: ALL });

      const run = await runner.up();
      expect(run.applied).toEqual(ALL);
      expect(run.pending).toEqual([]);

      const status = await runner.status();
      expect(status.pending).toEqual([]);
      expect(status.executed).toEqual(ALL.map((name) => ({ name, executedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) })));
    });
    const schema = await tableSchema(fromEmpty, 'profiles');
    expect(schema.columns.map((c) => c.column_name)).toEqual(COLUMNS);
    expect(await allRows(fromEmpty, 'profiles')).toEqual([]);
    expect(await recordedMigrations(fromEmpty)).toEqual(ALL);
  });

  it('adopts the legacy table in place: every row kept, addresses lowercased, nulls defaulted', async () => {
    await withRunner(fromLegacy, (runner) => runner.up());

    const after = await allRows(fromLegacy, 'profiles');
    expect(after).toHaveLength(LEGACY_ROWS.length);
    const byAddress = new Map(after.map((r) => [r.address as string, r]));
    for (const old of LEGACY_ROWS) {
      const address = (old.address as string).toLowerCase();
      const row = byAddress.get(address);
      const nickname = (old.nickname ?? old.nickname_normalized) as string | null;
      const createdAt = (old.created_at ?? old.updated_at) as Date | null;
      expect({ address, row }).toEqual({
        address,
        row: {
          address,
          nickname,
          nickname_normalized: nickname?.toLowerCase() ?? null,
          avatar_style: old.avatar_style,
          avatar_selection: old.avatar_selection,
          avatar_variant: old.avatar_variant,
          nickname_change_count: old.nickname_change_count ?? 0,
          last_nickname_change: old.last_nickname_change,
          created_at: createdAt ?? expect.any(Date),
          updated_at: old.updated_at ?? createdAt ?? expect.any(Date),
        },
      });
    }
    // A row with no timestamps at all gets one "now", the same for both columns.
    const undated = byAddress.get(addr('d0'))!;
    expect(undated.updated_at).toEqual(undated.created_at);
    expect(await recordedMigrations(fromLegacy)).toEqual(ALL);
  });

  it('leaves webauthn_credentials untouched: same rows, same schema', async () => {
    expect(webauthnBefore.rows).toHaveLength(WEBAUTHN_ROWS.length);
    expect(await allRows(fromLegacy, 'webauthn_credentials')).toEqual(webauthnBefore.rows);
    expect(await tableSchema(fromLegacy, 'webauthn_credentials')).toEqual(webauthnBefore.schema);
  });

  it('ends with the same profiles schema from empty and from legacy', async () => {
    const empty = await tableSchema(fromEmpty, 'profiles');
    const legacy = await tableSchema(fromLegacy, 'profiles');
    expect(legacy).toEqual(empty);

    // And that schema is the one the service relies on, not merely two equal accidents.
    expect(empty.columns.filter((c) => c.is_nullable === 'NO').map((c) => c.column_name)).toEqual([
      'address', 'nickname_change_count', 'created_at', 'updated_at',
    ]);
    const defs = empty.constraints.map((c) => `${c.conname}: ${c.def}`);
    expect(defs).toEqual(expect.arrayContaining([
      'profiles_pkey: PRIMARY KEY (address)',
      'profiles_nickname_normalized_key: UNIQUE (nickname_normalized)',
    ]));
    expect(defs.some((d) => d.startsWith('profiles_nickname_key'))).toBe(false);
  });

  /** What MikroORM's schema diff would change on `db` to match the entities ('' when they agree). */
  async function schemaDiff(db: TestDatabase): Promise<string> {
    const orm = await openOrm(db);
    try {
      // As `npx mikro-orm schema:update --dump` computes it (the legacy fixture's webauthn_credentials included).
      return (await orm.schema.getUpdateSchemaSQL({ wrap: false })).trim();
    } finally {
      await orm.close(true);
    }
  }

  it.each([
    ['an empty database', () => fromEmpty],
    ['the legacy table', () => fromLegacy],
  ])("leaves MikroORM's schema diff empty on %s: the entities declare every column, check and index", async (_case, db) => {
    await withRunner(db(), (runner) => runner.up()); // a no-op after the tests above; needed when run alone
    expect(await recordedMigrations(db())).toEqual(MIGRATIONS.map((m) => m.name));
    expect(await schemaDiff(db())).toBe('');
  });

  it('refuses legacy rows whose addresses differ only in case, naming both, changing nothing', async () => {
    const db = await freshDatabase();
    const upper = '0xABCDEF0123456789ABCDEF0123456789ABCDEF99';
    const lower = upper.toLowerCase();
    await seedLegacy(db, [
      { ...LEGACY_ROWS[1], address: upper },
      { ...LEGACY_ROWS[1], address: lower },
      LEGACY_ROWS[2],
    ]);
    const rowsBefore = await allRows(db, 'profiles');
    const schemaBefore = await tableSchema(db, 'profiles');

    const failure = await withRunner(db, (runner) => runner.up()).then(
      () => null,
      (err: unknown) => err,
    );

    expect(failure).toBeInstanceOf(MigrationFailedError);
    expect((failure as MigrationFailedError).migration).toBe(PROFILES_MIGRATION);
    expect((failure as Error).message).toContain(upper);
    expect((failure as Error).message).toContain(lower);
    expect(await allRows(db, 'profiles')).toEqual(rowsBefore);
    expect(await tableSchema(db, 'profiles')).toEqual(schemaBefore);
    expect(await recordedMigrations(db)).toEqual([]);
  });

  it('adopts rows whose inconsistent nickname pairs swap (unique only at the end, not row by row)', async () => {
    const db = await freshDatabase();
    await seedLegacy(db, [
      { ...LEGACY_ROWS[1], address: addr('c1'), nickname: 'Bob', nickname_normalized: 'alice' },
      { ...LEGACY_ROWS[1], address: addr('c2'), nickname: 'Alice', nickname_normalized: 'bob' },
    ]);

    await withRunner(db, (runner) => runner.up());

    const rows = await db.query<{ address: string; nickname: string; nickname_normalized: string }>(
      'select address, nickname, nickname_normalized from profiles order by address',
    );
    expect(rows).toEqual([
      { address: addr('c1'), nickname: 'Bob', nickname_normalized: 'bob' },
      { address: addr('c2'), nickname: 'Alice', nickname_normalized: 'alice' },
    ]);
  });

  // Four pools of their own need four connections at once: the embedded test pool serves two.
  const onServer = currentTarget().mode === 'server' ? it : it.skip;

  onServer('four concurrent up() runs on separate ORMs all finish, and apply each migration once', async () => {
    const db = await freshDatabase();
    const orms = await Promise.all([1, 2, 3, 4].map(() => openOrm(db)));
    try {
      const runs = await Promise.all(orms.map((orm) => new MigrationRunner(orm, MIGRATIONS).up()));

      expect(runs.map((r) => r.applied).flat()).toEqual(ALL);
      for (const run of runs) expect(run.pending).toEqual([]);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
    expect(await recordedMigrations(db)).toEqual(ALL);
    expect(await tableSchema(db, 'profiles')).toEqual(await tableSchema(fromEmpty, 'profiles'));
  });

  it('down() reverts without losing rows, and up() applies again to the same schema', async () => {
    const db = await freshDatabase();
    await seedLegacy(db);
    await withRunner(db, async (runner) => {
      await runner.up();
      const rows = await allRows(db, 'profiles');

      const reverted = await runner.down();
      expect(reverted.reverted).toBe(PROFILES_MIGRATION);
      expect(reverted.pending).toEqual([PROFILES_MIGRATION]);
      expect(await recordedMigrations(db)).toEqual([]);
      expect(await allRows(db, 'profiles')).toEqual(rows);

      const again = await runner.up();
      expect(again.applied).toEqual([PROFILES_MIGRATION]);
      expect(await allRows(db, 'profiles')).toEqual(rows);
    }, PROFILES_ONLY);
    expect(await tableSchema(db, 'profiles')).toEqual(await tableSchema(fromEmpty, 'profiles'));
  });

  it('the compiled CLI lists executed and pending migrations (migration:status)', async () => {
    ensureBuild();
    const db = await freshDatabase();
    const env = { NODE_ENV: 'test', DATABASE_URL: db.url };

    const pending = spawnNode(COMPILED_MIGRATE_CLI, env, ['status']);
    await expect(pending.exited()).resolves.toBe(0);
    for (const name of ALL) expect(pending.output()).toMatch(new RegExp(`^\\s*pending\\s+${name}$`, 'm'));
    expect(pending.output()).toMatch(new RegExp(`^0 executed, ${ALL.length} pending$`, 'm'));

    const up = spawnNode(COMPILED_MIGRATE_CLI, env, ['up']);
    await expect(up.exited()).resolves.toBe(0);

    const executed = spawnNode(COMPILED_MIGRATE_CLI, env, ['status']);
    await expect(executed.exited()).resolves.toBe(0);
    for (const name of ALL) expect(executed.output()).toMatch(new RegExp(`^\\s*executed\\s+${name}\\s+\\(`, 'm'));
    expect(executed.output()).toMatch(new RegExp(`^${ALL.length} executed, 0 pending$`, 'm'));
    expect(await recordedMigrations(db)).toEqual(ALL);
  }, 120_000);
});
