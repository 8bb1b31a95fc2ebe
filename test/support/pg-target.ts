import { Client } from 'pg';

/**
 * Which PostgreSQL the tests use, decided once per run (see global-setup):
 *   TEST_DATABASE_URL when set, else the local server on 127.0.0.1:5432 when it answers, else the
 *   embedded PGlite (so `npm test` passes on a machine with nothing installed; TEST_EMBEDDED=1 forces it).
 */
export type PgTarget = { mode: 'server'; adminUrl: string } | { mode: 'embedded' };

export const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export async function answers(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function detectTarget(env = process.env): Promise<PgTarget> {
  if (env.TEST_EMBEDDED === '1') return { mode: 'embedded' }; // exercise the no-server path on purpose
  if (env.TEST_DATABASE_URL) return { mode: 'server', adminUrl: env.TEST_DATABASE_URL };
  if (await answers(LOCAL_ADMIN_URL)) return { mode: 'server', adminUrl: LOCAL_ADMIN_URL };
  return { mode: 'embedded' };
}

/** Read by the suites: the decision global-setup stored in the environment. */
export function currentTarget(env = process.env): PgTarget {
  if (env.VILLA_TEST_PG_MODE === 'embedded') return { mode: 'embedded' };
  const adminUrl = env.VILLA_TEST_PG_ADMIN_URL ?? env.TEST_DATABASE_URL ?? LOCAL_ADMIN_URL;
  return { mode: 'server', adminUrl };
}
