import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { currentTarget } from './pg-target';

const TEST_DB_PREFIX = 'villa_test_';

export interface TestDatabase {
  /** Connection URL for the app. */
  url: string;
  name: string;
  embedded: boolean;
  /** Runs SQL directly (outside the app) — for seeding and asserting on rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh, empty database for one suite: `villa_test_<random>` on the server, or a private
 * in-memory PGlite. Refuses to drop anything whose name does not mark it as a test database.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const target = currentTarget();
  if (target.mode === 'embedded') {
    const control = process.env.VILLA_TEST_EMBEDDED_CONTROL;
    if (!control) throw new Error('embedded mode without the PGlite pool (see global-setup)');
    const created = (await (await fetch(`${control}/databases`, { method: 'POST' })).json()) as { id: string; url: string };
    const db = { url: created.url, stop: () => fetch(`${control}/databases/${created.id}`, { method: 'DELETE' }) };
    const client = new Client({ connectionString: db.url });
    let connected = false;
    return {
      url: db.url,
      name: 'postgres',
      embedded: true,
      // PGlite serves one connection at a time: the helper connects only when asked.
      async query(sql, params) {
        if (!connected) {
          await client.connect();
          connected = true;
        }
        return (await client.query(sql, params as unknown[])).rows;
      },
      async drop() {
        if (connected) await client.end();
        await db.stop();
      },
    };
  }

  const name = `${TEST_DB_PREFIX}${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: target.adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(target.adminUrl, name);
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    embedded: false,
    async query(sql, params) {
      return (await client.query(sql, params as unknown[])).rows;
    },
    async drop() {
      await client.end();
      if (!name.startsWith(TEST_DB_PREFIX)) throw new Error(`refusing to drop ${name}: not a test database`);
      const admin2 = new Client({ connectionString: target.adminUrl });
      await admin2.connect();
      try {
        await admin2.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin2.end();
      }
    },
  };
}
