import request from 'supertest';
import { Owner, profileRow, signInOwner, signInOwners } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Races, fired for real: many requests in flight at once against one app and one PostgreSQL. The
 * unique index and the row lock are the judges; the assertions are on status counts and on rows.
 */

const PARALLEL = 50;
const LIMIT_REACHED = { error: 'Nickname change limit reached (1 change allowed)', canChangeNickname: false };

function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('concurrent writes', () => {
  let t: TestApp;
  let owners: Owner[];

  const post = (owner: Owner, body: object) => request(t.url).post('/api/profile').set(owner.headers).send({ address: owner.address, ...body });
  const patch = (owner: Owner, newNickname: string) =>
    request(t.url).patch('/api/profile').set(owner.headers).send({ address: owner.address, newNickname });

  beforeAll(async () => {
    t = await startTestApp();
    owners = await signInOwners(t, PARALLEL);
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`${PARALLEL} addresses claim one name at once (in mixed case): one 201, ${PARALLEL - 1} × 409, one row`, async () => {
    const spellings = ['Rush', 'RUSH', 'rush', 'rUsH'];
    const responses = await Promise.all(owners.map((owner, i) => post(owner, { nickname: spellings[i % spellings.length] })));

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 409: PARALLEL - 1 });
    for (const res of responses.filter((r) => r.status === 409)) expect(res.body).toEqual({ error: 'Nickname is already taken' });
    const winner = responses.find((r) => r.status === 201)!;

    const rows = await t.db.query<{ address: string; nickname: string }>(
      `select address, nickname from profiles where nickname_normalized = 'rush'`,
    );
    expect(rows).toEqual([{ address: winner.body.address, nickname: winner.body.nickname }]);
    // The losers' inserts left nothing behind.
    const stored = await t.db.query('select address from profiles where address = any($1)', [owners.map((o) => o.lower)]);
    expect(stored).toEqual([{ address: winner.body.address }]);
  });

  it(`${PARALLEL} POSTs for one new address (different avatars, one name in varied case): all 201, one row, no lost update, nothing counted`, async () => {
    const owner = await signInOwner(t);
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        post(owner, { nickname: i % 2 ? 'Solo_Racer' : 'solo_racer', avatar: { style: 'bottts', selection: 'other', variant: i } }),
      ),
    );

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: PARALLEL });
    // Each request saw its own write applied whole: the avatar it sent, never a mix of two requests.
    expect(responses.map((r) => r.body.avatar.variant).sort((a, b) => a - b)).toEqual(Array.from({ length: PARALLEL }, (_, i) => i));
    for (const res of responses) expect(res.body).toMatchObject({ nicknameNormalized: 'solo_racer', nicknameChangeCount: 0, lastNicknameChange: null });

    const rows = await t.db.query('select * from profiles where address = $1', [owner.lower]);
    expect(rows).toHaveLength(1);
    const row = rows[0] as { avatar_variant: number; nickname: string; nickname_change_count: number };
    expect(row.nickname_change_count).toBe(0);
    // The row is the last write: exactly what one of the requests sent (name and avatar from the same request).
    const sent = responses.find((r) => r.body.avatar.variant === row.avatar_variant)!;
    expect(row.nickname).toBe(sent.body.nickname);
  });

  it('parallel PATCHes to different names (MAX_NICKNAME_CHANGES=1): exactly one 200, the rest 403, counted once', async () => {
    const owner = await signInOwner(t);
    await post(owner, { nickname: 'Patch_Base' }).expect(201);
    const names = Array.from({ length: 20 }, (_, i) => `patch_race_${i}`);
    const responses = await Promise.all(names.map((name) => patch(owner, name)));

    expect(tally(responses.map((r) => r.status))).toEqual({ 200: 1, 403: names.length - 1 });
    for (const res of responses.filter((r) => r.status === 403)) expect(res.body).toEqual(LIMIT_REACHED);
    const winner = responses.find((r) => r.status === 200)!;
    expect(winner.body).toMatchObject({ nicknameChangeCount: 1, canChangeNickname: false });

    expect(await profileRow(t, owner.lower)).toMatchObject({ nickname: winner.body.nickname, nickname_change_count: 1 });
    const claimed = await t.db.query<{ n: string }>(`select nickname_normalized as n from profiles where nickname_normalized like 'patch_race_%'`);
    expect(claimed).toEqual([{ n: winner.body.nickname }]);
  });

  it('parallel nickname-changing POSTs for one profile cannot bypass the limit either', async () => {
    const owner = await signInOwner(t);
    await post(owner, { nickname: 'Post_Base' }).expect(201);
    const names = Array.from({ length: 20 }, (_, i) => `post_race_${i}`);
    const responses = await Promise.all(names.map((nickname) => post(owner, { nickname })));

    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 403: names.length - 1 });
    for (const res of responses.filter((r) => r.status === 403)) expect(res.body).toEqual(LIMIT_REACHED);
    const winner = responses.find((r) => r.status === 201)!;
    expect(await profileRow(t, owner.lower)).toMatchObject({ nickname: winner.body.nickname, nickname_change_count: 1 });
  });

  it('two profiles changing to one name at once: one 200, one 409, and the loser is not counted', async () => {
    const [a, b] = await signInOwners(t, 2);
    await post(a, { nickname: 'Swap_A' }).expect(201);
    await post(b, { nickname: 'Swap_B' }).expect(201);
    const [ra, rb] = await Promise.all([patch(a, 'Swap_Target'), patch(b, 'SWAP_TARGET')]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = ra.status === 409 ? ra : rb;
    expect(loser.body).toEqual({ error: 'This nickname is already taken' });
    const rows = await t.db.query<{ nickname_normalized: string; nickname_change_count: number }>(
      'select nickname_normalized, nickname_change_count from profiles where address = any($1) order by nickname_normalized',
      [[a.lower, b.lower]],
    );
    // The 409 rolled the loser's whole write back: its name and its count are as they were.
    expect(rows).toEqual([
      { nickname_normalized: ra.status === 409 ? 'swap_a' : 'swap_b', nickname_change_count: 0 },
      { nickname_normalized: 'swap_target', nickname_change_count: 1 },
    ]);
  });
});
