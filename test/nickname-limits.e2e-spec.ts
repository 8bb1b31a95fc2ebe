import request from 'supertest';
import { Owner, ProfileRow, profileRow, signInOwner } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * MAX_NICKNAME_CHANGES and NICKNAME_CHANGE_COOLDOWN_DAYS, driven by the injected clock (no sleeping):
 * PATCH and a nickname-changing POST obey the same limit and cooldown, a refusal is a 403 saying
 * when (or that never), and the profile's canChangeNickname says the same thing.
 */

const START = '2026-04-01T10:00:00.000Z';
const DAY_MS = 86_400_000;
const plusDays = (iso: string, days: number) => new Date(new Date(iso).getTime() + days * DAY_MS).toISOString();

function client(t: TestApp) {
  return {
    post: (owner: Owner, body: object) => request(t.url).post('/api/profile').set(owner.headers).send(body),
    patch: (owner: Owner, newNickname: string) =>
      request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname }),
    canChange: async (owner: Owner): Promise<boolean> =>
      (await request(t.url).get(`/api/profile/${owner.lower}`).expect(200)).body.canChangeNickname,
    row: (owner: Owner) => profileRow(t, owner.lower),
    /** Moves the app's clock; sessions follow the app's clock, so the owner signs in again. */
    advance: async (owner: Owner, days: number): Promise<Owner> => {
      t.clock.advanceDays(days);
      return signInOwner(t, owner.account);
    },
  };
}

describe('nickname change limits (defaults: 1 change, 30 days)', () => {
  let t: TestApp;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp();
    c = client(t);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => t.clock.set(START));

  const LIMIT_REACHED = { error: 'Nickname change limit reached (1 change allowed)', canChangeNickname: false };

  it('PATCH: the first change is counted, the second is a 403 for good, and nothing is written', async () => {
    let owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'first_name' }).expect(201);
    expect(await c.canChange(owner)).toBe(true);

    const changed = await c.patch(owner, 'second_name').expect(200);
    expect(changed.body).toMatchObject({ nickname: 'second_name', nicknameChangeCount: 1, lastNicknameChange: START, canChangeNickname: false });
    expect(await c.canChange(owner)).toBe(false);

    const before = await c.row(owner);
    const refused = await c.patch(owner, 'third_name').expect(403);
    expect(refused.body).toEqual(LIMIT_REACHED);
    expect(await c.row(owner)).toEqual(before);

    // The limit is not a cooldown: a year later it still holds.
    owner = await c.advance(owner, 365);
    expect((await c.patch(owner, 'third_name').expect(403)).body).toEqual(LIMIT_REACHED);
    expect(await c.canChange(owner)).toBe(false);
    expect(await c.row(owner)).toEqual(before);
    // The refused name was never claimed.
    expect(await t.db.query(`select 1 from profiles where nickname_normalized = 'third_name'`)).toEqual([]);
  });

  it('at the limit, a case-only change still passes and is not counted (PATCH and POST)', async () => {
    const owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'casey_one' }).expect(201);
    await c.patch(owner, 'casey_two').expect(200);
    const viaPatch = await c.patch(owner, 'Casey_Two').expect(200);
    expect(viaPatch.body).toMatchObject({ nickname: 'Casey_Two', nicknameChangeCount: 1, lastNicknameChange: START });
    const viaPost = await c.post(owner, { address: owner.address, nickname: 'CASEY_TWO' }).expect(201);
    expect(viaPost.body).toMatchObject({ nickname: 'CASEY_TWO', nicknameChangeCount: 1, lastNicknameChange: START });
    expect(await c.row(owner)).toMatchObject({ nickname: 'CASEY_TWO', nickname_change_count: 1, last_nickname_change: new Date(START) });
  });

  it('POST that changes an existing profile\'s nickname obeys the same limit', async () => {
    const owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'poster_one' }).expect(201);

    const changed = await c.post(owner, { address: owner.address, nickname: 'poster_two' }).expect(201);
    expect(changed.body).toMatchObject({ nickname: 'poster_two', nicknameChangeCount: 1, lastNicknameChange: START, canChangeNickname: false });

    const before = await c.row(owner);
    const refused = await c.post(owner, {
      address: owner.address,
      nickname: 'poster_three',
      avatar: { style: 'bottts', selection: 'male', variant: 3 },
    }).expect(403);
    expect(refused.body).toEqual(LIMIT_REACHED);
    // Refused as a whole: the avatar that came with the change was not written either.
    expect(await c.row(owner)).toEqual(before);
  });

  it('re-sending the current nickname (POST) is not a change, even at the limit', async () => {
    const owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'steady_one' }).expect(201);
    await c.patch(owner, 'steady_two').expect(200);
    const res = await c.post(owner, { address: owner.address, nickname: 'steady_two', avatar: { style: 'bottts', selection: 'male', variant: 3 } }).expect(201);
    expect(res.body).toMatchObject({ nicknameChangeCount: 1, avatar: { style: 'bottts', selection: 'male', variant: 3 } });
  });
});

describe('nickname change limits (MAX_NICKNAME_CHANGES=3): the cooldown applies between changes', () => {
  let t: TestApp;
  let c: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_NICKNAME_CHANGES: '3' } });
    c = client(t);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => t.clock.set(START));

  const cooldown = (since: string) => {
    const nextChangeAt = plusDays(since, 30);
    return { error: `Nickname can be changed again after ${nextChangeAt}`, canChangeNickname: false, nextChangeAt };
  };

  it('PATCH: 30 days between changes, then the limit of 3', async () => {
    let owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'cool_zero' }).expect(201);

    // The first claim is not a change: the first change may follow at once.
    await c.patch(owner, 'cool_one').expect(200);
    expect(await c.canChange(owner)).toBe(false);
    let before: ProfileRow | null = await c.row(owner);
    expect((await c.patch(owner, 'cool_two').expect(403)).body).toEqual(cooldown(START));

    owner = await c.advance(owner, 29);
    expect((await c.patch(owner, 'cool_two').expect(403)).body).toEqual(cooldown(START));
    expect(await c.canChange(owner)).toBe(false);
    expect(await c.row(owner)).toEqual(before);

    owner = await c.advance(owner, 1);
    expect(await c.canChange(owner)).toBe(true);
    const second = await c.patch(owner, 'cool_two').expect(200);
    const secondAt = plusDays(START, 30);
    expect(second.body).toMatchObject({ nicknameChangeCount: 2, lastNicknameChange: secondAt, canChangeNickname: false });
    expect((await c.patch(owner, 'cool_three').expect(403)).body).toEqual(cooldown(secondAt));

    owner = await c.advance(owner, 30);
    const third = await c.patch(owner, 'cool_three').expect(200);
    expect(third.body).toMatchObject({ nicknameChangeCount: 3, canChangeNickname: false });

    owner = await c.advance(owner, 30);
    before = await c.row(owner);
    expect((await c.patch(owner, 'cool_four').expect(403)).body).toEqual({
      error: 'Nickname change limit reached (3 changes allowed)',
      canChangeNickname: false,
    });
    expect(await c.canChange(owner)).toBe(false);
    expect(await c.row(owner)).toEqual(before);
    expect(before).toMatchObject({ nickname: 'cool_three', nickname_change_count: 3 });
  });

  it('POST that changes the nickname is held by the same cooldown', async () => {
    let owner = await signInOwner(t);
    await c.post(owner, { address: owner.address, nickname: 'postcool_a' }).expect(201);
    await c.post(owner, { address: owner.address, nickname: 'postcool_b' }).expect(201);

    owner = await c.advance(owner, 10);
    const before = await c.row(owner);
    expect((await c.post(owner, { address: owner.address, nickname: 'postcool_c' }).expect(403)).body).toEqual(cooldown(START));
    expect(await c.row(owner)).toEqual(before);
    // A change that PATCH would be refused is refused through POST, and the other way round.
    expect((await c.patch(owner, 'postcool_c').expect(403)).body).toEqual(cooldown(START));

    owner = await c.advance(owner, 20);
    const res = await c.post(owner, { address: owner.address, nickname: 'postcool_c' }).expect(201);
    expect(res.body).toMatchObject({ nickname: 'postcool_c', nicknameChangeCount: 2, lastNicknameChange: plusDays(START, 30) });
  });
});
