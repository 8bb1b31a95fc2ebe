import request from 'supertest';
import { newAccount, requestNonce, signedSiwe } from './support/auth';
import { startTestApp, TestApp } from './support/test-app';

describe('security headers and CORS', () => {
  let t: TestApp;
  const allowed = 'https://app.villa.example';
  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${allowed},https://other.villa.example` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('sends helmet headers and no x-powered-by on JSON answers and errors', async () => {
    // A route, a refused request (400) and an unmatched path (Fastify's not-found handler).
    for (const path of ['/api/health', '/api/profile/nope', '/no/such/route']) {
      const res = await request(t.url).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('sends them with the API docs too (their CSP allows the docs page its inline assets)', async () => {
    const res = await request(t.url).get('/docs').redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
  });

  it('allows a configured origin, with its preflight', async () => {
    const res = await request(t.url).get('/api/health').set('origin', allowed).expect(200);
    expect(res.headers['access-control-allow-origin']).toBe(allowed);
    const preflight = await request(t.url)
      .options('/api/profile')
      .set('origin', allowed)
      .set('access-control-request-method', 'POST')
      .set('access-control-request-headers', 'content-type,authorization');
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers['access-control-allow-origin']).toBe(allowed);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    // With credentials: a frontend on another origin of the same site sends and keeps the session cookie.
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
  });

  it('lets a configured origin write with the session cookie (the separate-domain deployment), and no other', async () => {
    const wallet = newAccount();
    const verified = await request(t.url).post('/api/auth/verify').send(await signedSiwe(wallet, await requestNonce(t.url))).expect(200);
    const cookie = `villa_session=${verified.body.token}`;
    const write = (origin: string) =>
      request(t.url).post('/api/profile').set('cookie', cookie).set('origin', origin).send({ address: wallet.address, nickname: 'Crossed' });
    await write('https://evil.example').expect(403, { error: 'Origin not allowed' });
    await write('https://app.villa.example.evil').expect(403);
    await write(allowed).expect(201);
  });

  it('gives an unlisted origin no CORS grant', async () => {
    const res = await request(t.url).get('/api/health').set('origin', 'https://evil.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});
