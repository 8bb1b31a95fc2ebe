import request from 'supertest';
import { signIn } from './support/auth';
import { startTestApp, TestApp } from './support/test-app';

/** Floods: per-client-IP limits per route group, 429 with Retry-After, and spoof-proof client IPs. */

const LIMIT = 5;
const checks = (t: TestApp, n: number, headers: Record<string, string> = {}) =>
  Promise.all(
    Array.from({ length: n }, (_, i) => request(t.url).get(`/api/nicknames/check/flood${i}`).set(headers)),
  ).then((responses) => responses.map((r) => r.status));

describe('rate limits without a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_LOOKUPS: String(LIMIT), RATE_LIMIT_WRITES: '3', RATE_LIMIT_WINDOW_SECONDS: '60' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After and a JSON error once a group is over its limit', async () => {
    const statuses = await checks(t, LIMIT);
    expect(statuses).toEqual(Array(LIMIT).fill(200));
    const res = await request(t.url).get('/api/nicknames/resolve/anyone').expect(429);
    expect(res.body).toEqual({ error: 'Too many requests' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('keeps groups apart: reads of profiles are not limited, writes have their own bucket', async () => {
    await request(t.url).get(`/api/profile/0x${'d4'.repeat(20)}`).expect(404);
    const owner = await signIn(t.url);
    // The claim route sits in the nicknames controller, whose lookups are used up: it counts as a write.
    await request(t.url).post('/api/nicknames/claim').set(owner.headers).send({ address: owner.address, nickname: 'Writer' }).expect(201);
    const writes = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        request(t.url)
          .post('/api/profile')
          .set(owner.headers)
          .send({ address: owner.address, nickname: 'Writer', avatar: { style: 'bottts', selection: 'other', variant: i } }),
      ),
    );
    expect(writes.map((r) => r.status).sort()).toEqual([201, 201, 429, 429]);
  });

  it('ignores client-supplied forwarding headers: rotating them does not reset the bucket', async () => {
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      await request(t.url)
        .get('/api/nicknames/check/spoofer')
        .set('x-forwarded-for', ip)
        .set('do-connecting-ip', ip)
        .expect(429);
    }
  });
});

describe('rate limits behind the DigitalOcean load balancer (TRUST_PROXY=true)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_LOOKUPS: String(LIMIT), TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('counts per do-connecting-ip, and a rotating X-Forwarded-For changes nothing', async () => {
    const client = { 'do-connecting-ip': '203.0.113.7' };
    expect(await checks(t, LIMIT, client)).toEqual(Array(LIMIT).fill(200));
    for (const xff of ['198.51.100.1', '198.51.100.2, 203.0.113.7', 'garbage']) {
      await request(t.url).get('/api/nicknames/check/rotate').set(client).set('x-forwarded-for', xff).expect(429);
    }
    // Another client behind the same balancer has its own bucket.
    await request(t.url).get('/api/nicknames/check/other').set('do-connecting-ip', '203.0.113.8').expect(200);
  });
});
