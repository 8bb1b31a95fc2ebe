import fc from 'fast-check';
import request from 'supertest';
import { DEFAULT_RESERVED_NICKNAMES } from '../src/config/env.schema';
import { Owner, randomAddress, signInOwner } from './support/owners';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The check and the writes apply one set of rules: over generated names, whatever the check calls
 * available a fresh wallet can claim (201), whatever it calls invalid POST and PATCH refuse with the
 * same sentence, and whatever it calls taken they refuse with their 409.
 */

const SEEDED = ['Seeded_One', 'seeded2', 'SEEDED_three'];

const nameArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{2,29}$/),
  fc.string({ unit: fc.constantFrom(...'aZ9_-. é'), minLength: 0, maxLength: 34 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'grapheme-ascii', maxLength: 32 }),
  fc.mixedCase(fc.constantFrom(...DEFAULT_RESERVED_NICKNAMES)),
  fc.mixedCase(fc.constantFrom(...SEEDED)),
  fc.tuple(fc.constantFrom(' ', '\t', '  '), fc.stringMatching(/^[a-z][a-z0-9]{2,8}$/)).map(([pad, name]) => pad + name + pad),
  fc.integer({ min: 0, max: 40 }).map((n) => 'q'.repeat(n)),
);

interface Check {
  status: number;
  body: { available: boolean; normalized: string; reason?: 'taken' | 'invalid'; error?: string };
}

describe('nickname rules: the check and the writes agree (fast-check)', () => {
  let t: TestApp;
  let claimer: Owner;
  let patcher: Owner;

  beforeAll(async () => {
    t = await startTestApp();
    [claimer, patcher] = [await signInOwner(t), await signInOwner(t)];
    for (const nickname of SEEDED) {
      await t.db.query('insert into profiles (address, nickname, nickname_normalized) values ($1, $2, $3)', [
        randomAddress(), nickname, nickname.toLowerCase(),
      ]);
    }
    const res = await request(t.url).post('/api/profile').set(patcher.headers).send({ address: patcher.address, nickname: 'Patcher_Own' });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function checkBoth(name: string): Promise<Check> {
    const byQuery = await request(t.url).get('/api/nicknames/check').query({ nickname: name });
    // An empty path segment is another URL (/check/), not the check route: only the query form carries ''.
    if (name === '') return { status: byQuery.status, body: byQuery.body };
    const byPath = await request(t.url).get(`/api/nicknames/check/${encodeURIComponent(name)}`);
    expect({ status: byPath.status, body: byPath.body }).toEqual({ status: byQuery.status, body: byQuery.body });
    return { status: byQuery.status, body: byQuery.body };
  }

  it('available → claimable; invalid → the same 400 sentence; taken → 409', async () => {
    const seen = { available: 0, invalid: 0, taken: 0 };
    await fc.assert(
      fc.asyncProperty(nameArb, async (name) => {
        const check = await checkBoth(name);
        const post = await request(t.url).post('/api/profile').set(claimer.headers).send({ address: claimer.address, nickname: name });

        if (check.body.available) {
          seen.available++;
          expect(check.status).toBe(200);
          expect(post.status).toBe(201);
          expect(post.body.nicknameNormalized).toBe(check.body.normalized);
          const [row] = await t.db.query<{ nickname_normalized: string }>(
            'select nickname_normalized from profiles where address = $1', [claimer.lower],
          );
          expect(row.nickname_normalized).toBe(check.body.normalized);
          // Hand the claimed name to another address: the name stays taken, the claimer is fresh again.
          await t.db.query('update profiles set address = $1 where address = $2', [randomAddress(), claimer.lower]);
          expect((await checkBoth(name)).body.reason).toBe('taken');
          return;
        }

        const patch = await request(t.url).patch('/api/profile').set(patcher.headers).send({ address: patcher.address, newNickname: name });
        expect(await t.db.query('select 1 from profiles where address = $1', [claimer.lower])).toEqual([]);
        if (check.body.reason === 'invalid') {
          seen.invalid++;
          expect(check.status).toBe(check.body.error === 'Nickname is required' ? 400 : 200);
          expect({ status: post.status, body: post.body }).toEqual({ status: 400, body: { error: check.body.error } });
          expect({ status: patch.status, body: patch.body }).toEqual({ status: 400, body: { error: check.body.error } });
        } else {
          seen.taken++;
          expect(check.body.reason).toBe('taken');
          expect({ status: post.status, body: post.body }).toEqual({ status: 409, body: { error: 'Nickname is already taken' } });
          expect({ status: patch.status, body: patch.body }).toEqual({ status: 409, body: { error: 'This nickname is already taken' } });
        }
      }),
      { numRuns: 150 },
    );
    // The generators reached every branch (a property that only ever saw one outcome proves little).
    expect(seen.available).toBeGreaterThan(10);
    expect(seen.invalid).toBeGreaterThan(10);
    expect(seen.taken).toBeGreaterThan(5);
    const [patcherRow] = await t.db.query('select nickname, nickname_change_count from profiles where address = $1', [patcher.lower]);
    expect(patcherRow).toEqual({ nickname: 'Patcher_Own', nickname_change_count: 0 });
  });
});
