import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { keccak256, stringToHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { MIGRATIONS } from '../migrations';
import { loadConfig } from '../src/config/app-config';
import { MigrationRunner } from '../src/database/migration-runner';
import { openOrm } from '../src/database/orm.config';

const BENCH_DB_PREFIX = 'villa_bench_';

export interface BenchDatabase {
  name: string;
  url: string;
  /** PostgreSQL's server_version. */
  version: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh `villa_bench_<random>` database; `drop()` refuses any name without that prefix. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `${BENCH_DB_PREFIX}${randomBytes(6).toString('hex')}`;
  const version = await withClient(adminUrl, async (admin) => {
    await admin.query(`create database ${name}`);
    return String((await admin.query('show server_version')).rows[0].server_version);
  });
  return {
    name,
    url: withDatabase(adminUrl, name),
    version,
    async drop() {
      if (!name.startsWith(BENCH_DB_PREFIX)) throw new Error(`refusing to drop ${name}: not a bench database`);
      await withClient(adminUrl, (admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** The real migrations, through the real runner, as the deploy job applies them (`env`: the service's). */
export async function migrate(env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  const orm = await openOrm(config.database, config.database.url!);
  try {
    await new MigrationRunner(orm, MIGRATIONS).up();
  } finally {
    await orm.close();
  }
}

const ADJECTIVES = [
  'brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'kind', 'lively', 'mighty', 'nice', 'proud',
  'quick', 'silly', 'sunny', 'witty', 'zesty', 'bold', 'cosmic', 'dusty', 'amber', 'frosty', 'golden', 'hidden',
];
const NOUNS = [
  'otter', 'falcon', 'maple', 'river', 'comet', 'panda', 'tiger', 'willow', 'harbor', 'meadow', 'pixel', 'rocket',
  'badger', 'cedar', 'dolphin', 'ember', 'fjord', 'glacier', 'heron', 'island', 'jaguar', 'koala', 'lynx', 'nova',
  'orchid', 'pepper', 'quartz', 'raven', 'summit', 'tundra', 'violet', 'walrus',
];
const sqlArray = (words: string[]) => `array[${words.map((w) => `'${w}'`).join(', ')}]`;

/**
 * Legacy-like rows in one statement: `BraveOtter123` or `brave_otter_123` (unique by the number),
 * 2% without a nickname, 10% without an avatar, 5% with one counted change, created over the last year.
 */
const SEED_SQL = `
  insert into profiles (address, nickname, nickname_normalized, avatar_style, avatar_selection, avatar_variant,
                        nickname_change_count, last_nickname_change, created_at, updated_at)
  select '0x' || substr(md5('villa-bench-a' || i), 1, 32) || substr(md5('villa-bench-b' || i), 1, 8),
         case when i % 50 = 0 then null else n end,
         case when i % 50 = 0 then null else lower(n) end,
         case when i % 10 = 0 then null else (array['avataaars', 'bottts'])[1 + i % 2] end,
         case when i % 10 = 0 then null else (array['male', 'female', 'other'])[1 + i % 3] end,
         case when i % 10 = 0 then null else (i * 7919) % 100000 end,
         case when i % 20 = 0 then 1 else 0 end,
         case when i % 20 = 0 then changed end,
         created,
         greatest(created, coalesce(case when i % 20 = 0 then changed end, created)) + interval '1 minute' * (i % 7)
  from generate_series(1, $1::int) as g(i)
  cross join lateral (
    select case when i % 3 = 0
                then adj || '_' || noun || '_' || i
                else initcap(adj) || initcap(noun) || i end as n,
           now() - interval '400 days' + interval '1 second' * ((i::bigint * 7919) % 31536000) as created,
           now() - interval '1 hour' * (i % 2000) as changed
    from (select (${sqlArray(ADJECTIVES)})[1 + i % ${ADJECTIVES.length}] as adj,
                 (${sqlArray(NOUNS)})[1 + (i / ${ADJECTIVES.length}) % ${NOUNS.length}] as noun) as words
  ) as row`;

export interface Writer {
  address: string;
  nickname: string;
  /** The writer's own key: the bench signs in with it (SIWE) before the clock starts. */
  privateKey: `0x${string}`;
}

export interface Seeded {
  /** Existing profiles with a nickname, in a fixed order (hits, reverse, resolve, check taken). */
  named: { address: string; nickname: string }[];
  writers: Writer[];
  profiles: number;
  seedMs: number;
}

/** Seeds `count` profiles plus the write scenario's writers, then picks the read samples. */
export async function seed(url: string, count: number, writerCount: number, sampleSize: number): Promise<Seeded> {
  return withClient(url, async (client) => {
    const started = performance.now();
    await client.query(SEED_SQL, [count]);
    const writers: Writer[] = Array.from({ length: writerCount }, (_, i) => {
      const privateKey = keccak256(stringToHex(`villa-bench-writer-${i}`));
      return { address: privateKeyToAccount(privateKey).address.toLowerCase(), nickname: `Writer${i}`, privateKey };
    });
    await client.query(
      `insert into profiles (address, nickname, nickname_normalized)
       select a, n, lower(n) from unnest($1::text[], $2::text[]) as w(a, n)`,
      [writers.map((w) => w.address), writers.map((w) => w.nickname)],
    );
    await client.query('analyze profiles');
    const seedMs = performance.now() - started;
    const named = (
      await client.query<{ address: string; nickname: string }>(
        `select address, nickname from profiles where nickname is not null and nickname not like 'Writer%'
         order by md5(address) limit $1`,
        [sampleSize],
      )
    ).rows;
    return { named, writers, profiles: count, seedMs };
  });
}
