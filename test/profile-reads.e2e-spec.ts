import { Client } from 'pg';
import request from 'supertest';
import { randomAddress, signInOwner } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The read side: GET /api/profiles (batch: order, dedup, case folding, missing, the cap of 100, one
 * query) and HTTP caching on every cacheable GET (strong ETag, no-cache, 304 on If-None-Match).
 */

const upper = (address: string) => '0x' + address.slice(2).toUpperCase();

describe('profile reads', () => {
  let t: TestApp;
  const [a, b, c] = [randomAddress(), randomAddress(), randomAddress()];

  beforeAll(async () => {
    t = await startTestApp();
    t.clock.set('2026-06-01T00:00:00.000Z');
    await t.db.query(
      `insert into profiles (address, nickname, nickname_normalized, avatar_style, avatar_selection, avatar_variant)
       values ($1, 'Anna', 'anna', 'bottts', 'female', 1), ($2, 'Ben', 'ben', null, null, null), ($3, 'Cleo', 'cleo', 'avataaars', 'other', 3)`,
      [a, b, c],
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  const batch = (addresses: string[] | string) =>
    request(t.url).get(`/api/profiles?addresses=${typeof addresses === 'string' ? addresses : addresses.join(',')}`);
  const single = async (address: string) => (await request(t.url).get(`/api/profile/${address}`).expect(200)).body;

  describe('GET /api/profiles?addresses=', () => {
    it('keeps the order asked for, folds case, drops duplicates, lists the misses', async () => {
      const nobody = randomAddress();
      const res = await batch([upper(c), a, nobody, b, upper(a), c, upper(nobody)]).expect(200);
      expect(res.body).toEqual({ profiles: [await single(c), await single(a), await single(b)], missing: [nobody] });
      expect(res.body.profiles.map((p: { nickname: string }) => p.nickname)).toEqual(['Cleo', 'Anna', 'Ben']);
    });

    it('accepts the list split over repeated parameters and with spaces after commas', async () => {
      const res = await request(t.url).get(`/api/profiles?addresses=${b}&addresses=${a},%20${c}`).expect(200);
      expect(res.body.profiles.map((p: { address: string }) => p.address)).toEqual([b, a, c]);
      expect(res.body.missing).toEqual([]);
    });

    it('exactly 100 distinct addresses (plus repeats) are served; 101 distinct are a 400', async () => {
      const hundred = [a, ...Array.from({ length: 99 }, randomAddress)];
      const ok = await batch([...hundred, upper(a), hundred[50]]).expect(200);
      expect(ok.body.profiles.map((p: { address: string }) => p.address)).toEqual([a]);
      expect(ok.body.missing).toEqual(hundred.slice(1));

      const res = await batch([...hundred, randomAddress()]).expect(400);
      expect(res.body).toEqual({ error: 'Too many addresses: at most 100 per request' });
    });

    it.each([
      ['0x123', '"0x123"'],
      ['nope', '"nope"'],
      ['', '""'],
    ])('a bad address (%j) is a 400 naming it', async (bad, named) => {
      const res = await batch([a, b, bad, c]).expect(400);
      expect(res.body).toEqual({ error: `Invalid address format: ${named}` });
    });

    it('no list at all is a 400', async () => {
      for (const path of ['/api/profiles', '/api/profiles?addresses=', '/api/profiles?addresses=%20']) {
        const res = await request(t.url).get(path).expect(400);
        expect(res.body).toEqual({ error: 'addresses is required' });
      }
    });

    it('reads the whole batch in one query', async () => {
      // Every statement the app sends, through the ORM or straight to the pool, is a pg Client.query call.
      const spy = jest.spyOn(Client.prototype, 'query');
      try {
        await batch([a, b, c, ...Array.from({ length: 97 }, randomAddress)]).expect(200);
        const statements = spy.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
        expect(statements).toHaveLength(1);
        expect(statements[0]).toMatch(/from "profiles" where "address" = any\(\$1\)/);
      } finally {
        spy.mockRestore();
      }
    });
  });

  describe('caching: strong ETag, Cache-Control: no-cache, 304 on If-None-Match', () => {
    let owner: Awaited<ReturnType<typeof signInOwner>>;
    beforeAll(async () => {
      owner = await signInOwner(t);
      await request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: 'Cached' }).expect(201);
    });

    const paths = () => [
      `/api/profile/${owner.lower}`,
      `/api/nicknames/reverse/${owner.address}`,
      '/api/nicknames/resolve/CACHED',
      `/api/profiles?addresses=${owner.lower},${a}`,
    ];

    it('every cacheable GET sends a strong ETag and no-cache, and answers its own tag with an empty 304', async () => {
      for (const path of paths()) {
        const first = await request(t.url).get(path).expect(200);
        const etag = first.headers.etag;
        expect({ path, etag }).toEqual({ path, etag: expect.stringMatching(/^"[^"]+"$/) });
        expect(first.headers['cache-control']).toBe('no-cache');

        for (const header of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
          const cached = await request(t.url).get(path).set('if-none-match', header);
          expect({ path, header, status: cached.status, text: cached.text }).toEqual({ path, header, status: 304, text: '' });
          expect(cached.headers.etag).toBe(etag);
        }
        const stale = await request(t.url).get(path).set('if-none-match', '"not-the-tag"').expect(200);
        expect(stale.body).toEqual(first.body);
      }
    });

    it('HEAD gets the same tag, and a 304 when it matches (found by the fuzz suite: it was a 500)', async () => {
      for (const path of paths()) {
        const etag = (await request(t.url).get(path).expect(200)).headers.etag;
        const head = await request(t.url).head(path).expect(200);
        expect(head.headers.etag).toBe(etag);
        for (const header of [etag, '*']) {
          const cached = await request(t.url).head(path).set('if-none-match', header);
          expect({ path, header, status: cached.status }).toEqual({ path, header, status: 304 });
          expect(cached.headers.etag).toBe(etag);
        }
      }
    });

    it('after an update the tags change, and the old tags get a 200 with the new body', async () => {
      const before = new Map<string, string>();
      for (const path of paths()) before.set(path, (await request(t.url).get(path).expect(200)).headers.etag);

      // A case-only rename changes every one of the four bodies.
      await request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname: 'CACHED' }).expect(200);

      for (const path of paths()) {
        const res = await request(t.url).get(path).set('if-none-match', before.get(path)!).expect(200);
        expect(res.headers.etag).not.toBe(before.get(path));
        expect(JSON.stringify(res.body)).toContain('"CACHED"');
      }
    });

    it('errors carry no ETag', async () => {
      for (const path of [`/api/profile/${randomAddress()}`, `/api/nicknames/reverse/${randomAddress()}`, '/api/nicknames/resolve/nobody_at_all', '/api/profiles?addresses=x']) {
        const res = await request(t.url).get(path);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.headers.etag).toBeUndefined();
      }
    });
  });
});
