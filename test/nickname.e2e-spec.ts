import fc from 'fast-check';
import request from 'supertest';
import { normalize } from 'viem/ens';
import { NICKNAME_MAX_LENGTH, suggestionCandidates } from '../src/nickname/nickname.rules';
import { Owner, randomAddress, signInOwner, signInOwners } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * GET /api/nicknames/check, /reverse and /resolve against CONTRACT.md: every answer shape, every
 * error string, suggestions that are really free (each one is claimed to prove it), and the
 * reserved list and ENS domain taken from the environment.
 */

const VALID = /^[A-Za-z][A-Za-z0-9_]{2,29}$/;

const INVALID: [string, string, string][] = [
  ['ab', 'ab', 'Nickname must be at least 3 characters'],
  ['A'.repeat(31), 'a'.repeat(31), 'Nickname must be 30 characters or less'],
  ['Ab-C', 'ab-c', 'Only letters, numbers, and underscores allowed'],
  ['bad name', 'bad name', 'Only letters, numbers, and underscores allowed'],
  ['émile', 'émile', 'Only letters, numbers, and underscores allowed'],
  ['9lives', '9lives', 'Nickname must start with a letter'],
  ['_under', '_under', 'Nickname must start with a letter'],
];

describe('nickname routes (contract table)', () => {
  let t: TestApp;
  let luna: Owner;

  const check = (name: string) => request(t.url).get(`/api/nicknames/check/${encodeURIComponent(name)}`);
  const checkQuery = (name: string) => request(t.url).get('/api/nicknames/check').query({ nickname: name });
  /** POSTs a profile claiming `nickname` (for a fresh wallet unless given) and requires a 201. */
  const claim = async (nickname: string, owner?: Owner): Promise<void> => {
    const who = owner ?? (await signInOwner(t));
    const res = await request(t.url).post('/api/profile').set(who.headers).send({ address: who.address, nickname });
    expect({ nickname, status: res.status }).toEqual({ nickname, status: 201 });
  };

  beforeAll(async () => {
    t = await startTestApp();
    t.clock.set('2026-05-01T00:00:00.000Z');
    luna = await signInOwner(t);
    await claim('Luna', luna);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /api/nicknames/check', () => {
    it('available → {available:true, normalized}, by path and by ?nickname=', async () => {
      for (const res of [await check('Fresh_Name'), await checkQuery('Fresh_Name')]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ available: true, normalized: 'fresh_name' });
      }
    });

    it('taken (in any case) → reason "taken" with up to 3 suggestions, the first repeated as `suggestion`', async () => {
      for (const res of [await check('LUNA'), await checkQuery('luna')]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          available: false,
          normalized: 'luna',
          reason: 'taken',
          suggestions: expect.any(Array),
          suggestion: res.body.suggestions[0],
        });
        expect(res.body.suggestions).toHaveLength(3);
      }
    });

    it('suggestions skip taken candidates, and every suggestion is valid, not reserved, and really free', async () => {
      const seed = t.clock.now().getTime();
      // Claim the first candidates the service would offer, so it has to look further.
      const [first, second] = suggestionCandidates('orion', seed);
      const owners = await signInOwners(t, 3);
      await claim('Orion', owners[0]);
      await claim(first, owners[1]);
      await claim(second.toUpperCase(), owners[2]);

      const res = await check('orion').expect(200);
      const { suggestions, suggestion } = res.body as { suggestions: string[]; suggestion: string };
      expect(suggestions).toHaveLength(3);
      expect(suggestion).toBe(suggestions[0]);
      expect(new Set(suggestions).size).toBe(3);
      expect(suggestions).not.toContain(first);
      expect(suggestions).not.toContain(second);
      for (const name of suggestions) {
        expect(name).toMatch(VALID);
        expect(t.config.nickname.reserved).not.toContain(name);
        expect(await t.db.query('select 1 from profiles where nickname_normalized = $1', [name.toLowerCase()])).toEqual([]);
        expect((await check(name).expect(200)).body).toEqual({ available: true, normalized: name.toLowerCase() });
      }
      // The proof that they are free: each can be claimed.
      for (const name of suggestions) {
        await claim(name);
      }
    });

    it('a 30-character taken name gets suggestions within 30 characters', async () => {
      const long = 'L' + 'o'.repeat(29);
      await claim(long);
      const res = await check(long).expect(200);
      expect(res.body.reason).toBe('taken');
      expect(res.body.suggestions.length).toBeGreaterThan(0);
      for (const name of res.body.suggestions as string[]) {
        expect(name.length).toBeLessThanOrEqual(NICKNAME_MAX_LENGTH);
        expect(name).toMatch(VALID);
      }
    });

    it.each(INVALID)('invalid %j → 200 {available:false, normalized, reason:"invalid", error}', async (name, normalized, error) => {
      for (const res of [await check(name), await checkQuery(name)]) {
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ available: false, normalized, reason: 'invalid', error });
      }
    });

    it.each(['admin', 'Root', 'VILLA', 'moderator', 'undefined', 'null'])('reserved %j → reason "invalid", "This nickname is reserved"', async (name) => {
      const res = await check(name).expect(200);
      expect(res.body).toEqual({ available: false, normalized: name.toLowerCase(), reason: 'invalid', error: 'This nickname is reserved' });
    });

    it.each(['/api/nicknames/check?nickname=', '/api/nicknames/check', '/api/nicknames/check?nickname=%20%20', '/api/nicknames/check/%20'])(
      'empty name (%s) → 400 with the contract body',
      async (path) => {
        const res = await request(t.url).get(path).expect(400);
        expect(res.body).toEqual({ available: false, normalized: '', reason: 'invalid', error: 'Nickname is required' });
      },
    );
  });

  describe('GET /api/nicknames/reverse/:address', () => {
    it('200 {address, nickname, ens}, the address in any case', async () => {
      for (const form of [luna.lower, luna.address, '0x' + luna.lower.slice(2).toUpperCase()]) {
        const res = await request(t.url).get(`/api/nicknames/reverse/${form}`).expect(200);
        expect(res.body).toEqual({ address: luna.lower, nickname: 'Luna', ens: 'luna.villa.cash' });
      }
    });

    it('404 with the body `null`, for no profile and for a profile without a nickname', async () => {
      const legacy = randomAddress();
      await t.db.query('insert into profiles (address) values ($1)', [legacy]);
      for (const address of [randomAddress(), legacy]) {
        const res = await request(t.url).get(`/api/nicknames/reverse/${address}`).expect(404);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.text).toBe('null');
      }
    });

    it.each(['0x123', 'luna', '0x' + 'z'.repeat(40), '0x' + 'a'.repeat(41)])('400 "Invalid address format" for %j', async (address) => {
      const res = await request(t.url).get(`/api/nicknames/reverse/${address}`).expect(400);
      expect(res.body).toEqual({ error: 'Invalid address format' });
    });
  });

  describe('GET /api/nicknames/address/:address (the sign-up component)', () => {
    it('200 {address, nickname, ens} like reverse, the address in any case', async () => {
      for (const form of [luna.lower, luna.address, '0x' + luna.lower.slice(2).toUpperCase()]) {
        const res = await request(t.url).get(`/api/nicknames/address/${form}`).expect(200);
        expect(res.body).toEqual((await request(t.url).get(`/api/nicknames/reverse/${form}`).expect(200)).body);
        expect(res.headers.etag).toBeDefined();
      }
    });

    it('404 {"error":"Nickname not found"}, for no profile and for a profile without a nickname', async () => {
      const legacy = randomAddress();
      await t.db.query('insert into profiles (address) values ($1)', [legacy]);
      for (const address of [randomAddress(), legacy]) {
        const res = await request(t.url).get(`/api/nicknames/address/${address}`).expect(404);
        expect(res.body).toEqual({ error: 'Nickname not found' });
      }
    });

    it.each(['0x123', 'luna', '0x' + 'z'.repeat(40)])('400 "Invalid address format" for %j', async (address) => {
      const res = await request(t.url).get(`/api/nicknames/address/${address}`).expect(400);
      expect(res.body).toEqual({ error: 'Invalid address format' });
    });
  });

  describe('ens: valid ENS names only (ENSIP-15)', () => {
    it('an underscore is written as a hyphen; `--` in the third and fourth places gives null', async () => {
      const cases: [string, string | null][] = [['Star_Gazer', 'star-gazer.villa.cash'], ['ab__cd', null], ['trail_', 'trail-.villa.cash']];
      for (const [nickname, ens] of cases) {
        const address = randomAddress();
        await t.db.query('insert into profiles (address, nickname, nickname_normalized) values ($1, $2::text, lower($2::text))', [address, nickname]);
        for (const path of [`reverse/${address}`, `address/${address}`, `resolve/${nickname}`]) {
          expect((await request(t.url).get(`/api/nicknames/${path}`).expect(200)).body).toEqual({ address, nickname, ens });
        }
      }
    });

    it('property: every ens the lookups return passes viem/ens normalize unchanged, and resolves back', async () => {
      const nickname = fc.oneof(fc.stringMatching(VALID), fc.stringMatching(/^[A-Za-z][a-z_]{2,12}$/));
      await fc.assert(
        fc.asyncProperty(nickname, async (name) => {
          const address = randomAddress();
          const inserted = await t.db.query(
            'insert into profiles (address, nickname, nickname_normalized) values ($1, $2::text, lower($2::text)) on conflict do nothing returning address',
            [address, name],
          );
          fc.pre(inserted.length === 1); // a name drawn twice (in any case) is taken already
          const answers = await Promise.all(
            [`reverse/${address}`, `address/${address}`, `resolve/${name}`].map((path) => request(t.url).get(`/api/nicknames/${path}`)),
          );
          for (const res of answers) {
            expect(res.status).toBe(200);
            const { ens } = res.body as { ens: string | null };
            if (ens === null) continue;
            expect(normalize(ens)).toBe(ens);
            expect((await request(t.url).get(`/api/nicknames/resolve/${ens}`).expect(200)).body).toEqual(res.body);
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  describe('GET /api/nicknames/resolve/:nickname', () => {
    it.each(['luna.villa.cash', 'LUNA.Villa.Cash'])('200 for the full ENS name %j', async (name) => {
      const res = await request(t.url).get(`/api/nicknames/resolve/${name}`).expect(200);
      expect(res.body).toEqual({ address: luna.lower, nickname: 'Luna', ens: 'luna.villa.cash' });
    });

    it.each(['luna.example.eth', 'x.luna.villa.cash', 'luna.villa.cash.', 'star_gazer.villa.cash'])('404 for %j: not the ENS name of a nickname here', async (name) => {
      const res = await request(t.url).get(`/api/nicknames/resolve/${encodeURIComponent(name)}`).expect(404);
      expect(res.body).toEqual({ error: 'Nickname not found' });
    });

    it.each(['Luna', 'luna', 'LUNA'])('200 for %j: the display form and the owner', async (name) => {
      const res = await request(t.url).get(`/api/nicknames/resolve/${name}`).expect(200);
      expect(res.body).toEqual({ address: luna.lower, nickname: 'Luna', ens: 'luna.villa.cash' });
    });

    it.each(['nobody_here', 'ab', 'not-valid', '9lives', 'x'.repeat(40)])('404 {"error":"Nickname not found"} for %j', async (name) => {
      const res = await request(t.url).get(`/api/nicknames/resolve/${name}`).expect(404);
      expect(res.body).toEqual({ error: 'Nickname not found' });
    });

    it('a legacy row holding a name that is reserved today still resolves (reads never hide data)', async () => {
      const address = randomAddress();
      await t.db.query(`insert into profiles (address, nickname, nickname_normalized) values ($1, 'Support', 'support')`, [address]);
      const res = await request(t.url).get('/api/nicknames/resolve/support').expect(200);
      expect(res.body).toEqual({ address, nickname: 'Support', ens: 'support.villa.cash' });
    });
  });
});

describe('nickname routes with RESERVED_NICKNAMES and ENS_DOMAIN from the environment', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { RESERVED_NICKNAMES: 'Galaxy, nebula', ENS_DOMAIN: 'example.eth' } });
    t.clock.set('2026-05-01T00:00:00.000Z');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the configured list replaces the default one, on the check and on writes', async () => {
    for (const name of ['galaxy', 'NEBULA']) {
      const res = await request(t.url).get(`/api/nicknames/check/${name}`).expect(200);
      expect(res.body).toEqual({ available: false, normalized: name.toLowerCase(), reason: 'invalid', error: 'This nickname is reserved' });
      const owner = await signInOwner(t);
      const write = await request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: name }).expect(400);
      expect(write.body).toEqual({ error: 'This nickname is reserved' });
    }
    expect((await request(t.url).get('/api/nicknames/check/admin').expect(200)).body).toEqual({ available: true, normalized: 'admin' });
    const owner = await signInOwner(t);
    await request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: 'Admin' }).expect(201);
  });

  it('suggestions leave out configured reserved names', async () => {
    const seed = t.clock.now().getTime();
    const candidates = suggestionCandidates('star', seed);
    const app = await startTestApp({ env: { RESERVED_NICKNAMES: candidates.slice(0, 3).join(',') } });
    try {
      app.clock.set(t.clock.now());
      const owner = await signInOwner(app);
      await request(app.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: 'Star' }).expect(201);
      const res = await request(app.url).get('/api/nicknames/check/star').expect(200);
      expect(res.body.suggestions).toEqual(candidates.slice(3, 6));
    } finally {
      await app.close();
    }
  });

  it('ens names use ENS_DOMAIN on reverse and resolve', async () => {
    const owner = await signInOwner(t);
    await request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: 'Comet' }).expect(201);
    const expected = { address: owner.lower, nickname: 'Comet', ens: 'comet.example.eth' };
    expect((await request(t.url).get(`/api/nicknames/reverse/${owner.address}`).expect(200)).body).toEqual(expected);
    expect((await request(t.url).get('/api/nicknames/resolve/comet').expect(200)).body).toEqual(expected);
    expect((await request(t.url).get('/api/nicknames/resolve/comet.example.eth').expect(200)).body).toEqual(expected);
    await request(t.url).get('/api/nicknames/resolve/comet.villa.cash').expect(404);
  });
});
