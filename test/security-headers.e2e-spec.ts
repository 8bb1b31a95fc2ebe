import request from 'supertest';
import { newAccount, requestNonce, signedSiwe } from './support/auth';
import { rawRequest } from './support/raw-http';
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

  /** The API's answers: nothing may load, run or frame anything from them (no unsafe-inline). */
  const API_CSP = "default-src 'none';frame-ancestors 'none'";

  it('sends helmet headers with the strict CSP and no x-powered-by on JSON answers and errors', async () => {
    // A route, a refused request (400), an unmatched path (Fastify's not-found handler), the document.
    for (const path of ['/api/health', '/api/profile/nope', '/no/such/route', '/docs-json']) {
      const res = await request(t.url).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toBe(API_CSP);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });

  it('gives the docs UI, and only it, a CSP that allows its inline assets', async () => {
    for (const path of ['/docs', '/docs/swagger-ui-init.js']) {
      const res = await request(t.url).get(path).redirects(1);
      expect(res.status).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    }
    const api = await request(t.url).get('/api/health');
    expect(api.headers['content-security-policy']).not.toContain('unsafe-inline');
  });

  // Answers the router or Node's parser gives before any route runs: the same contract as the rest
  // (a JSON sentence, the security headers, a request id, a log line), no framework code, no echo.
  it.each<[string, number, string, string, Record<string, string | null>?]>([
    ['a bad percent-encoding', 400, 'GET', '/api/profile/%E0%A4%A'],
    ['a 101-character nickname', 414, 'GET', `/api/nicknames/check/${'n'.repeat(101)}`],
    ['an unknown route', 404, 'GET', '/no/such/route'],
    ['a method the route does not have', 404, 'PUT', '/api/profile'],
    ['a method HTTP does not have', 400, 'FROB', '/api/profile'],
    // Node answers these two itself unless told otherwise: an empty body, no headers of ours, no log line.
    ['an HTTP/1.1 request without Host', 400, 'GET', '/api/nicknames/check/Hostless', { host: null }],
    ['an Expect other than 100-continue', 417, 'GET', '/api/nicknames/check/Expecting', { expect: 'teapot' }],
  ])('%s → %i through the error contract', async (name, status, method, path, headers = {}) => {
    const sentId = `router-${name.replace(/\W+/g, '-')}`;
    const res = await rawRequest(t.url, { method, path, headers: { 'x-request-id': sentId, ...headers } });
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(JSON.parse(res.body))).toEqual(['error']);
    expect(JSON.parse(res.body).error).toMatch(/^[A-Z].+/);
    expect(res.body).not.toMatch(/FST_|statusCode|%E0|nnnnnnnn|no\/such/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe(API_CSP);
    // The caller's id when Node could parse the request; a fresh one when it could not.
    const id = res.headers['x-request-id'];
    expect(id).toEqual(method === 'FROB' ? expect.stringMatching(/^[0-9a-f-]{36}$/) : sentId);
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.req?.id === id);
    expect(line).toMatchObject({ level: 40, res: { statusCode: status } });
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
