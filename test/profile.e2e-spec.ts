import request from 'supertest';
import { Owner, ProfileRow, profileRow, randomAddress, signInOwner, signInOwners } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * POST/PATCH/GET /api/profile, row by row against CONTRACT.md: every status, every error string,
 * and the row each request leaves in the table (a refused write leaves none, or leaves it untouched).
 */

const PROFILE_KEYS = [
  'address', 'avatar', 'canChangeNickname', 'createdAt', 'lastNicknameChange', 'nickname', 'nicknameChangeCount',
  'nicknameNormalized', 'updatedAt',
];
const AVATAR = { style: 'avataaars', selection: 'female', variant: 42 };
const BAD_ADDRESSES = ['0x123', 'abc', '0x' + 'g'.repeat(40), '0x' + 'a'.repeat(41), '0x' + 'a'.repeat(39), 'a'.repeat(42)];

const NICKNAME_ERRORS: [string, string][] = [
  ['ab', 'Nickname must be at least 3 characters'],
  ['a', 'Nickname must be at least 3 characters'],
  ['a'.repeat(31), 'Nickname must be 30 characters or less'],
  ['ab-c', 'Only letters, numbers, and underscores allowed'],
  ['al ice', 'Only letters, numbers, and underscores allowed'],
  ['ålice', 'Only letters, numbers, and underscores allowed'],
  ['1abc', 'Nickname must start with a letter'],
  ['_abc', 'Nickname must start with a letter'],
  ['admin', 'This nickname is reserved'],
  ['Admin', 'This nickname is reserved'],
  ['MODERATOR', 'This nickname is reserved'],
  ['', 'Nickname is required'],
];

describe('profile routes (contract table)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    t.clock.set('2026-03-01T12:00:00.000Z');
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (owner: Owner, body: unknown) =>
    request(t.url).post('/api/profile').set(owner.headers).set('content-type', 'application/json').send(body as object);
  const patch = (owner: Owner, body: unknown) =>
    request(t.url).patch('/api/profile').set(owner.headers).set('content-type', 'application/json').send(body as object);
  const allRows = () => t.db.query<ProfileRow>('select * from profiles order by address');

  /** Sends a request that must be refused, and proves the table is exactly as it was. */
  async function refused(send: () => request.Test, status: number, body: unknown): Promise<void> {
    const before = await allRows();
    const res = await send();
    expect({ status: res.status, body: res.body }).toEqual({ status, body });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(await allRows()).toEqual(before);
  }

  async function created(nickname: string, avatar?: unknown): Promise<Owner> {
    const owner = await signInOwner(t);
    await post(owner, avatar === undefined ? { address: owner.address, nickname } : { address: owner.address, nickname, avatar }).expect(201);
    return owner;
  }

  describe('POST /api/profile: create', () => {
    it('201 with exactly the contract fields; the address is stored and returned lowercase', async () => {
      const owner = await signInOwner(t);
      const res = await post(owner, { address: owner.address, nickname: 'Alice', avatar: AVATAR }).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(PROFILE_KEYS);
      expect(res.body).toEqual({
        address: owner.lower,
        nickname: 'Alice',
        nicknameNormalized: 'alice',
        avatar: AVATAR,
        nicknameChangeCount: 0,
        lastNicknameChange: null,
        canChangeNickname: true,
        createdAt: '2026-03-01T12:00:00.000Z',
        updatedAt: '2026-03-01T12:00:00.000Z',
      });
      expect(await profileRow(t, owner.lower)).toEqual({
        address: owner.lower,
        nickname: 'Alice',
        nickname_normalized: 'alice',
        avatar_style: 'avataaars',
        avatar_selection: 'female',
        avatar_variant: 42,
        nickname_change_count: 0,
        last_nickname_change: null,
        created_at: new Date('2026-03-01T12:00:00.000Z'),
        updated_at: new Date('2026-03-01T12:00:00.000Z'),
      });
    });

    it('an omitted avatar on a create is stored as null', async () => {
      const owner = await created('NoAvatar');
      const row = await profileRow(t, owner.lower);
      expect(row).toMatchObject({ avatar_style: null, avatar_selection: null, avatar_variant: null });
      const res = await request(t.url).get(`/api/profile/${owner.lower}`).expect(200);
      expect(res.body.avatar).toBeNull();
    });

    it('the address may be sent in any case: all upper-case hex writes the same row', async () => {
      const owner = await created('CaseWriter', AVATAR);
      const upper = '0x' + owner.lower.slice(2).toUpperCase();
      const res = await post(owner, { address: upper, nickname: 'CaseWriter', avatar: { ...AVATAR, variant: 7 } }).expect(201);
      expect(res.body.address).toBe(owner.lower);
      const rows = await t.db.query('select address, avatar_variant from profiles where lower(address) = $1', [owner.lower]);
      expect(rows).toEqual([{ address: owner.lower, avatar_variant: 7 }]);
    });

    it('unknown body fields are stripped: not stored, not echoed, and cannot set counters', async () => {
      const owner = await signInOwner(t);
      const res = await post(owner, {
        address: owner.address,
        nickname: 'Stripped',
        avatar: { ...AVATAR, color: 'red' },
        isAdmin: true,
        nicknameChangeCount: 99,
        lastNicknameChange: '2020-01-01T00:00:00.000Z',
        createdAt: '2020-01-01T00:00:00.000Z',
      }).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(PROFILE_KEYS);
      expect(res.body.avatar).toEqual(AVATAR);
      expect(res.body).toMatchObject({ nicknameChangeCount: 0, lastNicknameChange: null, createdAt: '2026-03-01T12:00:00.000Z' });
      expect(await profileRow(t, owner.lower)).toMatchObject({
        nickname_change_count: 0,
        last_nickname_change: null,
        created_at: new Date('2026-03-01T12:00:00.000Z'),
      });
    });
  });

  describe('POST /api/profile: update', () => {
    it('answers 201 again; an omitted avatar keeps the stored one, createdAt stays, updatedAt moves', async () => {
      const owner = await created('Keeper', AVATAR);
      t.clock.set('2026-03-02T08:00:00.000Z');
      try {
        const res = await post(owner, { address: owner.address, nickname: 'Keeper' }).expect(201);
        expect(res.body).toMatchObject({
          avatar: AVATAR,
          nicknameChangeCount: 0,
          createdAt: '2026-03-01T12:00:00.000Z',
          updatedAt: '2026-03-02T08:00:00.000Z',
        });
        expect(await profileRow(t, owner.lower)).toMatchObject({ avatar_style: 'avataaars', avatar_selection: 'female', avatar_variant: 42 });
      } finally {
        t.clock.set('2026-03-01T12:00:00.000Z');
      }
    });

    it('a new avatar replaces the stored one; "avatar": null clears it', async () => {
      const owner = await created('Painter', AVATAR);
      const replaced = await post(owner, { address: owner.address, nickname: 'Painter', avatar: { style: 'bottts', selection: 'other', variant: 0 } }).expect(201);
      expect(replaced.body.avatar).toEqual({ style: 'bottts', selection: 'other', variant: 0 });
      const cleared = await post(owner, { address: owner.address, nickname: 'Painter', avatar: null }).expect(201);
      expect(cleared.body.avatar).toBeNull();
      expect(await profileRow(t, owner.lower)).toMatchObject({ avatar_style: null, avatar_selection: null, avatar_variant: null });
    });

    it('the same name in another case updates the display form and is not counted as a change', async () => {
      const owner = await created('recase');
      const res = await post(owner, { address: owner.address, nickname: 'ReCase' }).expect(201);
      expect(res.body).toMatchObject({ nickname: 'ReCase', nicknameNormalized: 'recase', nicknameChangeCount: 0, lastNicknameChange: null, canChangeNickname: true });
      expect(await profileRow(t, owner.lower)).toMatchObject({ nickname: 'ReCase', nickname_normalized: 'recase', nickname_change_count: 0 });
    });

    it('a reserved name is refused on an update too, and the row is untouched', async () => {
      const owner = await created('NotYetRoot');
      await refused(() => post(owner, { address: owner.address, nickname: 'Root' }), 400, { error: 'This nickname is reserved' });
    });

    it('409 "Nickname is already taken" when another profile holds the name in any case; nothing changes', async () => {
      await created('Holder');
      const other = await signInOwner(t);
      await refused(() => post(other, { address: other.address, nickname: 'HOLDER' }), 409, { error: 'Nickname is already taken' });
      expect(await profileRow(t, other.lower)).toBeNull();
      const existing = await created('Bystander');
      await refused(() => post(existing, { address: existing.address, nickname: 'holder' }), 409, { error: 'Nickname is already taken' });
    });
  });

  describe('POST /api/profile: validation (400, the first broken rule, nothing written)', () => {
    let owner: Owner;
    beforeAll(async () => {
      owner = await signInOwner(t);
    });

    it.each(NICKNAME_ERRORS)('nickname %j → %s', async (nickname, error) => {
      await refused(() => post(owner, { address: owner.address, nickname }), 400, { error });
    });

    it('a missing nickname, or one that is not a string', async () => {
      await refused(() => post(owner, { address: owner.address }), 400, { error: 'Nickname is required' });
      await refused(() => post(owner, { address: owner.address, nickname: 123 }), 400, { error: 'Nickname is required' });
      await refused(() => post(owner, { address: owner.address, nickname: ['Alice'] }), 400, { error: 'Nickname is required' });
    });

    it.each(BAD_ADDRESSES)('address %j → Invalid address format', async (address) => {
      await refused(() => post(owner, { address, nickname: 'Valid1' }), 400, { error: 'Invalid address format' });
    });

    it('a missing address, or one that is not a string', async () => {
      await refused(() => post(owner, { nickname: 'Valid1' }), 400, { error: 'Invalid address format' });
      await refused(() => post(owner, { address: [], nickname: 'Valid1' }), 400, { error: 'Invalid address format' });
      await refused(() => post(owner, { address: 1234, nickname: 'Valid1' }), 400, { error: 'Invalid address format' });
    });

    it.each<[string, unknown, string]>([
      ['a string', 'x', 'Avatar must be an object with style, selection and variant'],
      ['an array', [], 'Avatar must be an object with style, selection and variant'],
      ['a number', 5, 'Avatar must be an object with style, selection and variant'],
      ['an unknown style', { ...AVATAR, style: 'pixel' }, 'Avatar style must be one of avataaars, bottts'],
      ['a too-long style', { ...AVATAR, style: 'avataaars'.repeat(50) }, 'Avatar style must be one of avataaars, bottts'],
      ['a missing style', { selection: 'male', variant: 1 }, 'Avatar style must be one of avataaars, bottts'],
      ['an unknown selection', { ...AVATAR, selection: 'robot' }, 'Avatar selection must be one of male, female, other'],
      ['a too-long selection', { ...AVATAR, selection: 'female'.repeat(100) }, 'Avatar selection must be one of male, female, other'],
      ['a negative variant', { ...AVATAR, variant: -1 }, 'Avatar variant must be between 0 and 2147483647'],
      ['a variant beyond int32', { ...AVATAR, variant: 2 ** 31 }, 'Avatar variant must be between 0 and 2147483647'],
      ['a huge variant', { ...AVATAR, variant: 1e300 }, 'Avatar variant must be between 0 and 2147483647'],
      ['a fractional variant', { ...AVATAR, variant: 1.5 }, 'Avatar variant must be an integer'],
      ['a numeric-string variant', { ...AVATAR, variant: '42' }, 'Avatar variant must be an integer'],
      ['a null variant', { ...AVATAR, variant: null }, 'Avatar variant must be an integer'],
    ])('avatar as %s → 400', async (_what, avatar, error) => {
      await refused(() => post(owner, { address: owner.address, nickname: 'Valid1', avatar }), 400, { error });
    });

    it('variant 0 and 2147483647 are the accepted bounds', async () => {
      const edge = await signInOwner(t);
      await post(edge, { address: edge.address, nickname: 'EdgeVariant', avatar: { ...AVATAR, variant: 0 } }).expect(201);
      const res = await post(edge, { address: edge.address, nickname: 'EdgeVariant', avatar: { ...AVATAR, variant: 2147483647 } }).expect(201);
      expect(res.body.avatar.variant).toBe(2147483647);
      expect((await profileRow(t, edge.lower))?.avatar_variant).toBe(2147483647);
    });

    it('a bad avatar on an update leaves the stored profile untouched', async () => {
      const existing = await created('AvatarKeeper', AVATAR);
      await refused(
        () => post(existing, { address: existing.address, nickname: 'AvatarKeeper', avatar: { ...AVATAR, variant: -5 } }),
        400,
        { error: 'Avatar variant must be between 0 and 2147483647' },
      );
    });
  });

  describe('request bodies', () => {
    let owner: Owner;
    beforeAll(async () => {
      owner = await signInOwner(t);
    });

    it.each(['{"address":', '{"address": "0x1" "nickname": "x"}', "{'address': 1}", '{"a":1}}'])(
      'malformed JSON %j → 400 JSON, not 500',
      async (raw) => {
        await refused(() => post(owner, raw), 400, { error: expect.stringMatching(/not valid JSON/) });
        await refused(() => patch(owner, raw), 400, { error: expect.stringMatching(/not valid JSON/) });
      },
    );

    it('a body over 16 KiB → 413 JSON, nothing stored', async () => {
      const body = JSON.stringify({ address: owner.address, nickname: 'BigBody', avatar: { ...AVATAR, padding: 'x'.repeat(17 * 1024) } });
      await refused(() => post(owner, body), 413, { error: expect.stringMatching(/too large/) });
      await refused(() => patch(owner, body), 413, { error: expect.stringMatching(/too large/) });
    });

    it('a body that is not JSON → 415 JSON, nothing stored (text/plain is not parsed as a string body)', async () => {
      for (const path of ['/api/profile', '/api/auth/verify']) {
        const res = await request(t.url)
          .post(path)
          .set(owner.headers)
          .set('content-type', 'text/plain')
          .send('{"address":"x","nickname":"PlainText","message":"m","signature":"0x00"}');
        expect(res.status).toBe(415);
        expect(res.body).toEqual({ error: expect.stringMatching(/^Unsupported/) });
      }
      expect(await profileRow(t, owner.lower)).toBeNull();
    });

    it('a body just under 16 KiB is read (unknown padding stripped)', async () => {
      const base = { address: owner.address, nickname: 'NearLimit', junk: '' };
      const body = JSON.stringify({ ...base, junk: 'x'.repeat(16 * 1024 - JSON.stringify(base).length) });
      expect(Buffer.byteLength(body)).toBe(16 * 1024);
      const res = await post(owner, body).expect(201);
      expect(Object.keys(res.body).sort()).toEqual(PROFILE_KEYS);
    });
  });

  describe('PATCH /api/profile', () => {
    it('404 "Profile not found" for an address with no profile', async () => {
      const owner = await signInOwner(t);
      await refused(() => patch(owner, { address: owner.address, newNickname: 'Nobody1' }), 404, { error: 'Profile not found' });
    });

    it('400 validation: every nickname error, a missing name, a bad address', async () => {
      const owner = await created('Patcher');
      for (const [newNickname, error] of NICKNAME_ERRORS) {
        await refused(() => patch(owner, { address: owner.address, newNickname }), 400, { error });
      }
      await refused(() => patch(owner, { address: owner.address }), 400, { error: 'Nickname is required' });
      await refused(() => patch(owner, { address: owner.address, newNickname: 42 }), 400, { error: 'Nickname is required' });
      for (const address of [...BAD_ADDRESSES, [], undefined]) {
        await refused(() => patch(owner, { address, newNickname: 'Patched1' }), 400, { error: 'Invalid address format' });
      }
    });

    it('400 when the new nickname is exactly the current one', async () => {
      const owner = await created('Same');
      await refused(() => patch(owner, { address: owner.address, newNickname: 'Same' }), 400, {
        error: 'New nickname must be different from current nickname',
      });
    });

    it('a change of case only is allowed and not counted', async () => {
      const owner = await created('bob_case');
      const res = await patch(owner, { address: owner.address, newNickname: 'Bob_Case' }).expect(200);
      expect(res.body).toMatchObject({ nickname: 'Bob_Case', nicknameNormalized: 'bob_case', nicknameChangeCount: 0, lastNicknameChange: null, canChangeNickname: true });
      expect(await profileRow(t, owner.lower)).toMatchObject({ nickname: 'Bob_Case', nickname_change_count: 0, last_nickname_change: null });
    });

    it('409 "This nickname is already taken" (another profile, any case); the row is untouched', async () => {
      await created('Taken_Name');
      const owner = await created('Wants_Taken');
      await refused(() => patch(owner, { address: owner.address, newNickname: 'taken_NAME' }), 409, { error: 'This nickname is already taken' });
    });

    it('200 with the profile; the change is counted and the old name is free again', async () => {
      const owner = await created('Before_Change', AVATAR);
      t.clock.set('2026-03-05T09:30:00.000Z');
      try {
        const res = await patch(owner, { address: owner.address.toUpperCase().replace('0X', '0x'), newNickname: 'After_Change', ignored: 1 }).expect(200);
        expect(Object.keys(res.body).sort()).toEqual(PROFILE_KEYS);
        expect(res.body).toEqual({
          address: owner.lower,
          nickname: 'After_Change',
          nicknameNormalized: 'after_change',
          avatar: AVATAR,
          nicknameChangeCount: 1,
          lastNicknameChange: '2026-03-05T09:30:00.000Z',
          canChangeNickname: false,
          createdAt: '2026-03-01T12:00:00.000Z',
          updatedAt: '2026-03-05T09:30:00.000Z',
        });
        expect(await profileRow(t, owner.lower)).toMatchObject({
          nickname: 'After_Change',
          nickname_normalized: 'after_change',
          nickname_change_count: 1,
          last_nickname_change: new Date('2026-03-05T09:30:00.000Z'),
        });
        await created('before_change');
      } finally {
        t.clock.set('2026-03-01T12:00:00.000Z');
      }
    });

    it('reserved names are refused on PATCH', async () => {
      const owner = await created('WouldBeAdmin');
      for (const newNickname of ['admin', 'Support', 'VILLA']) {
        await refused(() => patch(owner, { address: owner.address, newNickname }), 400, { error: 'This nickname is reserved' });
      }
    });
  });

  describe('GET /api/profile/:address', () => {
    it('finds the profile whatever the case of the address', async () => {
      const owner = await created('Finder', AVATAR);
      const forms = [owner.lower, owner.address, '0x' + owner.lower.slice(2).toUpperCase()];
      for (const form of forms) {
        const res = await request(t.url).get(`/api/profile/${form}`).expect(200);
        expect(Object.keys(res.body).sort()).toEqual(PROFILE_KEYS);
        expect(res.body).toMatchObject({ address: owner.lower, nickname: 'Finder', nicknameNormalized: 'finder', avatar: AVATAR });
      }
    });

    it('404 "Profile not found"', async () => {
      const res = await request(t.url).get(`/api/profile/${randomAddress()}`).expect(404);
      expect(res.body).toEqual({ error: 'Profile not found' });
    });

    it.each([...BAD_ADDRESSES, '0x', 'null', encodeURIComponent("0x' or '1'='1")])('400 "Invalid address format" for %j', async (address) => {
      const res = await request(t.url).get(`/api/profile/${address}`).expect(400);
      expect(res.body).toEqual({ error: 'Invalid address format' });
    });

    it('a legacy row (no nickname, no avatar) reads as the contract object with nulls', async () => {
      const address = randomAddress();
      await t.db.query(`insert into profiles (address, created_at, updated_at) values ($1, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')`, [address]);
      const res = await request(t.url).get(`/api/profile/${address}`).expect(200);
      expect(res.body).toEqual({
        address,
        nickname: null,
        nicknameNormalized: null,
        avatar: null,
        nicknameChangeCount: 0,
        lastNicknameChange: null,
        canChangeNickname: true,
        createdAt: '2025-01-01T00:00:00.000Z',
        updatedAt: '2025-01-02T00:00:00.000Z',
      });
    });
  });

  it('a legacy row without a nickname claims one for free (not counted), by POST or PATCH', async () => {
    const [viaPost, viaPatch] = await signInOwners(t, 2);
    for (const owner of [viaPost, viaPatch]) {
      await t.db.query(`insert into profiles (address, nickname_change_count) values ($1, 0)`, [owner.lower]);
    }
    await post(viaPost, { address: viaPost.address, nickname: 'LegacyPost' }).expect(201);
    await patch(viaPatch, { address: viaPatch.address, newNickname: 'LegacyPatch' }).expect(200);
    expect(await profileRow(t, viaPost.lower)).toMatchObject({ nickname: 'LegacyPost', nickname_change_count: 0, last_nickname_change: null });
    expect(await profileRow(t, viaPatch.lower)).toMatchObject({ nickname: 'LegacyPatch', nickname_change_count: 0, last_nickname_change: null });
  });
});
