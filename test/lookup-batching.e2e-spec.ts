import { Client } from 'pg';
import request from 'supertest';
import { signIn } from './support/auth';
import { randomAddress } from './support/owners';
import { pipelinedGets, RawResponse } from './support/raw-http';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Concurrent single-key lookups share one query (the repositories over DataLoader). Requests
 * pipelined on one socket are parsed from one read, so they are deterministically concurrent: each
 * still gets exactly the answer it gets alone, and the driver sees one statement per kind of lookup.
 */

const NAMES = ['Anna', 'Ben', 'Cleo', 'Dara', 'Eli', 'Fay'];

async function seed(t: TestApp): Promise<string[]> {
  const addresses = NAMES.map(() => randomAddress());
  for (const [i, address] of addresses.entries()) {
    await t.db.query(`insert into profiles (address, nickname, nickname_normalized) values ($1, $2, $3)`, [address, NAMES[i], NAMES[i].toLowerCase()]);
  }
  // One profile without a nickname: a profile hit, a reverse miss.
  await t.db.query(`insert into profiles (address) values ($1)`, [addresses[0].replace(/.$/, (c) => (c === '0' ? '1' : '0'))]);
  return addresses;
}

/** The mix: hits and misses of every lookup, with names in other cases and repeats. */
function paths(addresses: string[]): string[] {
  const nameless = addresses[0].replace(/.$/, (c) => (c === '0' ? '1' : '0'));
  const misses = [randomAddress(), randomAddress()];
  return [
    ...[...addresses, nameless, ...misses, addresses[1]].map((a) => `/api/profile/${a}`),
    ...[addresses[2], nameless, misses[0], addresses[3]].map((a) => `/api/nicknames/reverse/${a}`),
    ...['anna', 'BEN', 'Cleo', 'nobody', 'fay', 'x!'].map((n) => `/api/nicknames/resolve/${n}`),
    ...['Dara', 'eli', 'FreeName', 'Anna'].map((n) => `/api/nicknames/check/${n}`),
    // Batches overlapping each other and the single reads: the same lookup by address serves them all.
    `/api/profiles?addresses=${addresses[4]},${misses[1]},${addresses[0]}`,
    `/api/profiles?addresses=${addresses[5]},${addresses[4]}`,
  ];
}

/** Every statement on `table` while `work` runs (pg Client.query is the one way out). */
async function statementsOn<T>(table: string, work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    const result = await work();
    const statements = spy.mock.calls
      .map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text))
      .filter((sql) => sql.includes(` from "${table}" `));
    return { result, statements };
  } finally {
    spy.mockRestore();
  }
}

const profileStatements = <T>(work: () => Promise<T>) => statementsOn('profiles', work);

const answerOf = (res: RawResponse) => ({ status: res.status, body: res.body, etag: res.headers.etag });

describe('lookup batching', () => {
  describe('on (the default)', () => {
    let t: TestApp;
    let mix: string[];
    beforeAll(async () => {
      t = await startTestApp();
      mix = paths(await seed(t));
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers each of many concurrent lookups exactly as it answers it alone', async () => {
      const { result: together } = await profileStatements(() => pipelinedGets(t.url, mix));
      const alone: RawResponse[] = [];
      for (const path of mix) {
        const res = await request(t.url).get(path);
        alone.push({ status: res.status, headers: res.headers as Record<string, string>, body: res.text });
      }
      expect(together.map(answerOf)).toEqual(alone.map(answerOf));
      // Not vacuous: hits and misses are in the mix, and every answer is whole.
      expect(together.filter((r) => r.status === 200).length).toBeGreaterThan(mix.length / 2);
      expect(together.filter((r) => r.status === 404).length).toBeGreaterThanOrEqual(5);
    });

    it('sends one query per kind of lookup for all of them', async () => {
      const { result, statements } = await profileStatements(() => pipelinedGets(t.url, mix));
      expect(result).toHaveLength(mix.length);
      // profiles by address (single and batch reads alike), nicknames by address, addresses by nickname, taken names.
      expect(statements).toHaveLength(4);
      // Each carries its keys as one array parameter: one statement text for any number of keys.
      expect(statements.filter((s) => / = any\(\$1\)/.test(s))).toHaveLength(4);
    });

    it('checks many sessions in one query, each against its own row: revoked and expired ones are refused', async () => {
      const [a, b, revoked, expired] = await Promise.all([signIn(t.url), signIn(t.url), signIn(t.url), signIn(t.url)]);
      await request(t.url).post('/api/auth/logout').set(revoked.headers).expect(200);
      // Its token is still valid for days: only the row says the session has ended. Expiry is judged by
      // the app's clock (frozen at boot in tests), not the database's now(), so the row is set by it.
      const aSecondAgo = new Date(t.clock.now().getTime() - 1000).toISOString();
      await t.db.query(`update auth_sessions set expires_at = $2 where address = $1`, [expired.address, aSecondAgo]);
      const asked = [a, b, revoked, expired, a].map((w) => ({ path: '/api/auth/session', headers: w.headers }));
      const { result, statements } = await statementsOn('auth_sessions', () => pipelinedGets(t.url, asked));
      expect(result.map((r) => [r.status, r.status === 200 ? JSON.parse(r.body).address : null])).toEqual([
        [200, a.address],
        [200, b.address],
        [401, null],
        [401, null],
        [200, a.address],
      ]);
      expect(statements).toHaveLength(1);
    });

    it('sends a lone lookup as the one-row query', async () => {
      const { statements } = await profileStatements(() => request(t.url).get(`/api/profile/${randomAddress()}`).expect(404));
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/ where "address" = \$1$/);
    });
  });

  describe('off (DATABASE_BATCH_LOOKUPS=false)', () => {
    let t: TestApp;
    let mix: string[];
    beforeAll(async () => {
      t = await startTestApp({ env: { DATABASE_BATCH_LOOKUPS: 'false' } });
      mix = paths(await seed(t));
    });
    afterAll(async () => {
      await t?.close();
    });

    it('sends one query per request that reads (a check: one for the name and its candidates)', async () => {
      const { result, statements } = await profileStatements(() => pipelinedGets(t.url, mix));
      // An invalid name (x!) cannot have been claimed: resolve answers 404 without asking.
      const reads = result.filter((_, i) => !mix[i].endsWith('/x!'));
      expect(statements).toHaveLength(reads.length);
    });
  });
});
