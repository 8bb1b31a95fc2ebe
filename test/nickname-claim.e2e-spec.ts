import request from 'supertest';
import { Owner, profileRow, signInOwner, signInOwners } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * POST /api/nicknames/claim {address, nickname}: the sign-up component's write. The rules are
 * POST /api/profile's (ProfileService.save), with the stored avatar kept; each case here is one
 * of those rules seen through this route.
 */
describe('POST /api/nicknames/claim', () => {
  let t: TestApp;

  const claim = (owner: Owner | null, body: object) => {
    const req = request(t.url).post('/api/nicknames/claim');
    return (owner ? req.set(owner.headers) : req).send(body);
  };

  beforeAll(async () => {
    t = await startTestApp();
    t.clock.set('2026-05-01T00:00:00.000Z');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('needs a session (401), of the same address (403)', async () => {
    const [owner, other] = await signInOwners(t, 2);
    expect((await claim(null, { address: owner.address, nickname: 'Nobody' }).expect(401)).body).toEqual({ error: 'Authentication required' });
    expect((await claim(other, { address: owner.address, nickname: 'Intruder' }).expect(403)).body).toEqual({ error: 'Session does not match address' });
    expect(await profileRow(t, owner.address)).toBeNull();
  });

  it.each([
    [{ nickname: 'ab' }, 'Nickname must be at least 3 characters'],
    [{ nickname: '9lives' }, 'Nickname must start with a letter'],
    [{ nickname: 'no-dash' }, 'Only letters, numbers, and underscores allowed'],
    [{ nickname: 'Admin' }, 'This nickname is reserved'],
    [{ nickname: undefined }, 'Nickname is required'],
    [{ address: '0x123' }, 'Invalid address format'],
  ])('400 for %j: %s', async (override, error) => {
    const owner = await signInOwner(t);
    const res = await claim(owner, { address: owner.address, nickname: 'Valid_one', ...override }).expect(400);
    expect(res.body).toEqual({ error });
  });

  it('201 with the profile: a first claim creates it, without an avatar and uncounted', async () => {
    const owner = await signInOwner(t);
    const res = await claim(owner, { address: owner.address, nickname: 'First_Claim' }).expect(201);
    expect(res.body).toMatchObject({
      address: owner.lower,
      nickname: 'First_Claim',
      nicknameNormalized: 'first_claim',
      avatar: null,
      nicknameChangeCount: 0,
      canChangeNickname: true,
    });
  });

  it('a change keeps the stored avatar, is counted, and the next one hits the limit (403 canChangeNickname:false)', async () => {
    const owner = await signInOwner(t);
    const avatar = { style: 'bottts', selection: 'other', variant: 7 };
    await request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, nickname: 'Before', avatar }).expect(201);

    const changed = await claim(owner, { address: owner.address, nickname: 'After', avatar: null }).expect(201);
    expect(changed.body).toMatchObject({ nickname: 'After', avatar, nicknameChangeCount: 1, canChangeNickname: false });

    const again = await claim(owner, { address: owner.address, nickname: 'Again' }).expect(403);
    expect(again.body).toMatchObject({ canChangeNickname: false, error: expect.any(String) });
    // The same name in another case is not a change, so the limit does not apply.
    await claim(owner, { address: owner.address, nickname: 'AFTER' }).expect(201);
    expect(await profileRow(t, owner.address)).toMatchObject({ nickname: 'AFTER', nickname_change_count: 1, avatar_style: 'bottts' });
  });

  it('the cooldown applies as on POST /api/profile', async () => {
    const app = await startTestApp({ env: { MAX_NICKNAME_CHANGES: '5', NICKNAME_CHANGE_COOLDOWN_DAYS: '30' } });
    try {
      app.clock.set('2026-05-01T00:00:00.000Z');
      const owner = await signInOwner(app);
      const post = (nickname: string) => request(app.url).post('/api/nicknames/claim').set(owner.headers).send({ address: owner.address, nickname });
      await post('Cool_one').expect(201);
      await post('Cool_two').expect(201);
      const res = await post('Cool_three').expect(403);
      expect(res.body).toMatchObject({ canChangeNickname: false, nextChangeAt: '2026-05-31T00:00:00.000Z' });
    } finally {
      await app.close();
    }
  });

  it('409 {"error":"Nickname is already taken"} for a name another owner holds, in any case', async () => {
    const [holder, late] = await signInOwners(t, 2);
    await claim(holder, { address: holder.address, nickname: 'Holder' }).expect(201);
    expect((await claim(late, { address: late.address, nickname: 'HOLDER' }).expect(409)).body).toEqual({ error: 'Nickname is already taken' });
  });

  it('two owners claiming one name at once: exactly one 201 and one 409, one owner in the table', async () => {
    for (let round = 0; round < 5; round++) {
      const owners = await signInOwners(t, 2);
      const name = `Raced_${round}`;
      const answers = await Promise.all(owners.map((o) => claim(o, { address: o.address, nickname: name })));
      expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
      const rows = await t.db.query('select address from profiles where nickname_normalized = $1', [name.toLowerCase()]);
      expect(rows).toHaveLength(1);
    }
  });
});
