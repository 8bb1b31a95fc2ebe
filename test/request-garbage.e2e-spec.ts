import { AsyncResource } from 'node:async_hooks';
import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

// Per-request work that made requests outlive V8's young generation: every scavenge then copied and
// promoted them, and scavenges took 5–12 ms instead of ~1 (docs/performance.md, "Garbage collection").
// What it costs is measured by the bench; what caused it is checked here.
describe('requests leave nothing behind that keeps them alive through a scavenge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('a JSON body is parsed without AsyncResource.bind (Fastify before 5.12 bound a callback per request)', async () => {
    const bind = jest.spyOn(AsyncResource.prototype, 'bind');
    const staticBind = jest.spyOn(AsyncResource, 'bind');
    const res = await request(t.url)
      .post('/api/profile')
      .send({ address: `0x${'ab'.repeat(20)}`, nickname: 'Sprinter' })
      .expect(401);
    expect(res.body).toEqual({ error: 'Authentication required' });
    // The body was parsed: a malformed one is refused before authentication.
    await request(t.url).post('/api/profile').set('content-type', 'application/json').send('{"address":').expect(400);
    expect(bind).not.toHaveBeenCalled();
    expect(staticBind).not.toHaveBeenCalled();
  });
});
