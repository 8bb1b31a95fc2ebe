import { connect } from 'node:net';
import { slowRequest } from './support/raw-http';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A client that sends its request slowly holds a socket (and, before this bound, shutdown) for as
 * long as it likes: HTTP_REQUEST_TIMEOUT_MS cuts it off with a JSON 408. Fastify's own default is 0,
 * no bound at all.
 */
describe('slow clients are cut off after HTTP_REQUEST_TIMEOUT_MS', () => {
  const TIMEOUT_MS = 1000;
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { HTTP_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS) } });
  });
  afterAll(async () => {
    await t.close();
  });

  const lines = () => t.logs.map((l) => JSON.parse(l));
  const body = JSON.stringify({ address: `0x${'ab'.repeat(20)}`, nickname: 'Dripper' });

  it('a body dripping in gets a JSON 408 with the security headers, and its request line says so', async () => {
    const res = await slowRequest(t.url, {
      head:
        `POST /api/profile?drip=body HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\n\r\n`,
      drip: body, // one byte every 200 ms: the whole body would take about 12 s
      intervalMs: 200,
    });
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toEqual({ error: 'Request timeout' });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.connection).toBe('close');
    // Cut off at the bound (Node checks once a second), not when the body would have ended.
    expect(res.openMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(res.openMs).toBeLessThan(TIMEOUT_MS + 3000);
    const line = lines().find((l) => l.req?.url === '/api/profile?drip=body');
    expect(line).toMatchObject({ level: 40, msg: 'request completed', req: { id: expect.any(String), method: 'POST' }, res: { statusCode: 408 } });
  });

  it('headers dripping in get the same 408, with a request id that is in the log line', async () => {
    const res = await slowRequest(t.url, {
      head: 'GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\n',
      drip: `x-slow: ${'a'.repeat(60)}\r\n\r\n`,
      intervalMs: 200,
    });
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toEqual({ error: 'Request timeout' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().find((l) => l.req?.id === id)).toMatchObject({ level: 40, msg: 'request rejected', res: { statusCode: 408 } });
  });

  it('a client that leaves mid-body is logged as aborted, without a status it never got', async () => {
    const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/profile?drip=gone HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
        `content-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    const aborted = () => lines().find((l) => l.req?.url === '/api/profile?drip=gone');
    for (let i = 0; i < 50 && !aborted(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(aborted()).toMatchObject({ level: 40, msg: 'request aborted', req: { id: expect.any(String), method: 'POST' } });
    expect(aborted()).not.toHaveProperty('res');
    // Nor as anything else: its request stream's ECONNRESET once read as "database not available".
    const id = aborted().req.id;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.logs.filter((l) => l.includes(id))).toHaveLength(1);
  });

  it('a request that arrives in time is answered as usual', async () => {
    const res = await slowRequest(t.url, {
      head: 'GET /api/health HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n',
      drip: '\r\n',
      intervalMs: 100,
    });
    expect(res.status).toBe(200);
  });
});
