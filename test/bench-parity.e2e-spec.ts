import { currentTarget } from './support/pg-target';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { Baseline, createBaseline } from '../bench/baseline';
import { Owner, signInOwner } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

// Needs two real concurrent sessions (a row lock held against the app, or a second pool): the
// embedded PGlite multiplexes connections onto one session, so these run against a server only.
const describeOnServer = currentTarget().mode === 'server' ? describe : describe.skip;

/**
 * The bench compares the service with a bare baseline; the comparison is honest only while both
 * answer every benched request with the same status and the same JSON. One clock drives both.
 */
describeOnServer('bench baseline parity', () => {
  let t: TestApp;
  let baseline: Baseline;
  let baselineUrl: string;

  const alice = '0x' + 'a1'.repeat(20);
  const bob = '0x' + 'b2'.repeat(20);
  const legacy = '0x' + 'c3'.repeat(20);
  const nobody = '0x' + 'd4'.repeat(20);

  beforeAll(async () => {
    // A shared secret, so the baseline can check the service's session tokens as SessionGuard does.
    t = await startTestApp({ env: { SESSION_SECRET: 'bench-parity-session-secret-0123456789abcdef' } });
    t.clock.set('2026-03-01T12:00:00.000Z');
    await t.db.query(
      `insert into profiles (address, nickname, nickname_normalized, avatar_style, avatar_selection, avatar_variant,
                             nickname_change_count, last_nickname_change, created_at, updated_at) values
       ($1, 'Alice', 'alice', 'avataaars', 'female', 42, 0, null, '2025-06-01T10:00:00.123Z', '2025-06-02T10:00:00Z'),
       ($2, 'bob_builder', 'bob_builder', null, null, null, 1, '2026-02-20T08:30:00Z', '2025-01-01T00:00:00Z', '2026-02-20T08:30:00Z'),
       ($3, null, null, 'bottts', 'other', 7, 0, null, '2024-12-31T23:59:59.999Z', '2024-12-31T23:59:59.999Z'),
       ('0x' || repeat('e5', 20), 'alice1', 'alice1', null, null, null, 0, null, now(), now()),
       ('0x' || repeat('f6', 20), 'Alice3', 'alice3', null, null, null, 0, null, now(), now())`,
      [alice, bob, legacy],
    );
    baseline = createBaseline({ config: t.config, now: () => t.clock.now() });
    await new Promise<void>((resolve) => baseline.server.listen(0, '127.0.0.1', resolve));
    baselineUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await baseline?.close();
    await t?.close();
  });

  async function both(path: string) {
    const [service, bare] = await Promise.all([request(t.url).get(path), request(baselineUrl).get(path)]);
    expect({ status: bare.status, body: bare.body }).toEqual({ status: service.status, body: service.body });
    return service;
  }

  it('profile hit (address in any case), including a legacy row without a nickname', async () => {
    const res = await both(`/api/profile/${alice.toUpperCase().replace('0X', '0x')}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      address: alice,
      nickname: 'Alice',
      nicknameNormalized: 'alice',
      avatar: { style: 'avataaars', selection: 'female', variant: 42 },
      nicknameChangeCount: 0,
      lastNicknameChange: null,
      canChangeNickname: true,
      createdAt: '2025-06-01T10:00:00.123Z',
      updatedAt: '2025-06-02T10:00:00.000Z',
    });
    const cooling = await both(`/api/profile/${bob}`);
    expect(cooling.body).toMatchObject({ avatar: null, nicknameChangeCount: 1, canChangeNickname: false });
    const old = await both(`/api/profile/${legacy}`);
    expect(old.body).toMatchObject({ nickname: null, nicknameNormalized: null, avatar: { style: 'bottts', selection: 'other', variant: 7 } });
  });

  it('profile miss is 404 {"error":"Profile not found"}; a malformed address is 400', async () => {
    const miss = await both(`/api/profile/${nobody}`);
    expect(miss.status).toBe(404);
    expect(miss.body).toEqual({ error: 'Profile not found' });
    const bad = await both('/api/profile/0x123');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: 'Invalid address format' });
  });

  it('nickname check: taken (with the same free suggestions), free, invalid, reserved', async () => {
    const taken = await both('/api/nicknames/check/ALICE');
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({ available: false, normalized: 'alice', reason: 'taken', suggestion: 'alice2' });
    expect(taken.body.suggestions).toEqual(['alice2', 'alice4', 'alice5']);
    const free = await both('/api/nicknames/check/Zed_new');
    expect(free.body).toEqual({ available: true, normalized: 'zed_new' });
    const short = await both('/api/nicknames/check/ab');
    expect(short.body).toEqual({ available: false, normalized: 'ab', reason: 'invalid', error: 'Nickname must be at least 3 characters' });
    const reserved = await both('/api/nicknames/check/Admin');
    expect(reserved.body).toMatchObject({ available: false, reason: 'invalid', error: 'This nickname is reserved' });
  });

  it('reverse: hit, miss and a row without a nickname (404 with body null)', async () => {
    const hit = await both(`/api/nicknames/reverse/${alice}`);
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ address: alice, nickname: 'Alice', ens: 'alice.villa.cash' });
    for (const address of [nobody, legacy]) {
      const miss = await both(`/api/nicknames/reverse/${address}`);
      expect(miss.status).toBe(404);
      expect(miss.text).toBe('null');
    }
  });

  it('resolve: any case finds the owner; an unknown or invalid name is 404', async () => {
    const hit = await both('/api/nicknames/resolve/BOB_BUILDER');
    expect(hit.status).toBe(200);
    expect(hit.body).toEqual({ address: bob, nickname: 'bob_builder', ens: 'bob-builder.villa.cash' });
    const byEns = await both('/api/nicknames/resolve/Bob-Builder.villa.cash');
    expect(byEns.status).toBe(200);
    expect(byEns.body).toEqual(hit.body);
    for (const name of ['nobody_here', '1x', 'bob_builder.villa.cash']) {
      const miss = await both(`/api/nicknames/resolve/${name}`);
      expect(miss.status).toBe(404);
      expect(miss.body).toEqual({ error: 'Nickname not found' });
    }
  });

  it('batch: profiles in the order asked, duplicates folded, misses listed', async () => {
    const res = await both(`/api/profiles?addresses=${[legacy, nobody, alice.toUpperCase().replace('0X', '0x'), bob, alice].join(',')}`);
    expect(res.status).toBe(200);
    expect(res.body.profiles.map((p: { address: string }) => p.address)).toEqual([legacy, alice, bob]);
    expect(res.body.missing).toEqual([nobody]);
  });

  describe('authenticated profile writes (each write runs on the same starting row)', () => {
    let owner: Owner;
    let stranger: Owner;
    beforeAll(async () => {
      [owner, stranger] = [await signInOwner(t), await signInOwner(t)];
    });

    const snapshot = async (address: string) =>
      (await t.db.query<{ r: object }>('select row_to_json(p) as r from profiles p where address = $1', [address]))[0]?.r ?? null;

    async function restore(address: string, row: object | null): Promise<void> {
      await t.db.query('delete from profiles where address = $1', [address]);
      if (row) await t.db.query('insert into profiles select * from json_populate_record(null::profiles, $1::json)', [row]);
    }

    /** The same POST to the service, then (from the same starting row) to the baseline: same answer, same row. */
    async function writeBoth(body: object, headers: Record<string, string>) {
      const address = owner.lower;
      const start = await snapshot(address);
      const service = await request(t.url).post('/api/profile').set(headers).send(body);
      const serviceRow = await snapshot(address);
      await restore(address, start);
      const bare = await request(baselineUrl).post('/api/profile').set(headers).send(body);
      expect({ status: bare.status, body: bare.body }).toEqual({ status: service.status, body: service.body });
      expect(await snapshot(address)).toEqual(serviceRow);
      return service;
    }

    it('create, avatar update, counted nickname change and a change inside the cooldown', async () => {
      const created = await writeBoth({ address: owner.address, nickname: 'Parity', avatar: { style: 'bottts', selection: 'male', variant: 3 } }, owner.headers);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ address: owner.lower, nickname: 'Parity', nicknameChangeCount: 0 });

      const avatar = await writeBoth({ address: owner.lower, nickname: 'PARITY', avatar: null }, owner.headers);
      expect(avatar.body).toMatchObject({ nickname: 'PARITY', avatar: null, nicknameChangeCount: 0 });

      const changed = await writeBoth({ address: owner.address, nickname: 'Parity_two' }, owner.headers);
      expect(changed.body).toMatchObject({ nickname: 'Parity_two', nicknameChangeCount: 1, canChangeNickname: false });

      const refused = await writeBoth({ address: owner.address, nickname: 'Parity_three' }, owner.headers);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ canChangeNickname: false });
    });

    it('no session is 401, another wallet\'s session is 403, a taken name is 409', async () => {
      const none = await writeBoth({ address: owner.address, nickname: 'Parity_two' }, {});
      expect(none.status).toBe(401);
      expect(none.body).toEqual({ error: 'Authentication required' });
      const foreign = await writeBoth({ address: owner.address, nickname: 'Parity_two' }, stranger.headers);
      expect(foreign.status).toBe(403);
      expect(foreign.body).toEqual({ error: 'Session does not match address' });
      await request(t.url).post('/api/profile').set(stranger.headers).send({ address: stranger.address, nickname: 'Taken_one' }).expect(201);
      await t.db.query('update profiles set nickname_change_count = 0, last_nickname_change = null where address = $1', [owner.lower]);
      const taken = await writeBoth({ address: owner.address, nickname: 'taken_ONE' }, owner.headers);
      expect(taken.status).toBe(409);
      expect(taken.body).toEqual({ error: 'Nickname is already taken' });
    });
  });
});
