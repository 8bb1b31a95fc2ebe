import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { MIGRATIONS } from '../migrations';
import { currentTarget } from './support/pg-target';
import { startTestApp, TestApp } from './support/test-app';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

describe('health', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /health answers without touching the database', async () => {
    const res = await request(t.url).get('/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', timestamp: expect.any(String) });
  });

  it('GET /api/health keeps the contract shape, with the package version as the old route had', async () => {
    const res = await request(t.url).get('/api/health').expect(200);
    expect(res.body).toEqual({ status: 'ok', timestamp: expect.any(String), version: PACKAGE_VERSION });
    expect(new Date(res.body.timestamp).toISOString()).toBe(res.body.timestamp);
    await request(t.url).head('/api/health').expect(200);
  });

  it('GET /api/health/db answers the old route\'s {status:"healthy"} while the database answers', async () => {
    const res = await request(t.url).get('/api/health/db').expect(200);
    expect(res.body).toEqual({ status: 'healthy' });
  });

  // The embedded database has no probe connection of its own (one connection at a time).
  (currentTarget().mode === 'server' ? it : it.skip)('GET /api/health/db opens no connection per call: the probe keeps its one', async () => {
    const probe = () =>
      t.db.query<{ pid: number; backend_start: Date }>(
        `select pid, backend_start from pg_stat_activity where datname = current_database() and application_name = 'villa-profile-api readiness'`,
      );
    await request(t.url).get('/api/health/db').expect(200);
    const before = await probe();
    expect(before).toHaveLength(1);
    for (let i = 0; i < 20; i++) await request(t.url).get('/api/health/db').expect(200);
    expect(await probe()).toEqual(before);
  });

  it('GET /health/ready is 200 when the database answers', async () => {
    const res = await request(t.url).get('/health/ready').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.details.database.status).toBe('up');
  });

  it('applied the migrations at boot', async () => {
    const rows = await t.db.query<{ name: string }>('select name from mikro_orm_migrations');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
  });

  it('every response carries a request id, and an unknown route is a JSON 404', async () => {
    const res = await request(t.url).get('/nope').set('x-request-id', 'abc-123').expect(404);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({ error: 'Not found' });
  });
});
