import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { MIGRATIONS } from '../migrations';
import { FIXTURE_TABLE_MIGRATION } from './fixtures/migrations';
import { AdminClient, auditLines, BEARER_HEADER, SECRET_HEADER, tableExists, wrongSecret } from './support/admin-client';
import { startTestApp, TEST_MIGRATE_SECRET, TestApp } from './support/test-app';

const REAL = MIGRATIONS.map((m) => m.name);
const FIXTURE = FIXTURE_TABLE_MIGRATION.name;
const RATE_LIMIT = 6;
const WINDOW_SECONDS = 60;

describe('admin migrations', () => {
  let t: TestApp;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await startTestApp({
      // Boot migrations off, so the real migrations and the fixture are all pending.
      env: { MIGRATE_ON_BOOT: 'false', ADMIN_RATE_LIMIT: String(RATE_LIMIT), ADMIN_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS) },
      migrations: [...MIGRATIONS, FIXTURE_TABLE_MIGRATION],
    });
    admin = new AdminClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  const advance = (seconds: number) => t.clock.set(new Date(t.clock.now().getTime() + seconds * 1000));
  // The limiter reads the app's clock: each test starts in a fresh window, the throttling test moves within one.
  beforeEach(() => advance(WINDOW_SECONDS + 1));

  it('GET /api/admin/migrations lists every migration as pending before any run', async () => {
    const res = await admin.call('get', '/api/admin/migrations', SECRET_HEADER, 200);
    expect(res.body).toEqual({ executed: [], pending: [...REAL, FIXTURE] });
    expect(await tableExists(t, 'profiles')).toBe(false);
    expect(await tableExists(t, 'admin_fixture')).toBe(false);
  });

  it('refuses a missing, empty, wrong or wrong-Bearer secret with the same 401, and runs nothing', async () => {
    const attempts: ['get' | 'post', string, Record<string, string>][] = [
      ['post', '/api/admin/migrations/up', {}],
      ['post', '/api/db/migrate', { 'x-migrate-secret': '' }],
      ['post', '/api/admin/migrations/up', { 'x-migrate-secret': `${TEST_MIGRATE_SECRET.slice(0, -12)}${randomBytes(6).toString('hex')}` }],
      ['get', '/api/admin/migrations', { 'x-migrate-secret': wrongSecret('short') }],
      ['post', '/api/db/migrate', { authorization: `Bearer ${wrongSecret('bearer')}` }],
      ['post', '/api/admin/migrations/up', { 'x-migrate-secret': `${TEST_MIGRATE_SECRET}${wrongSecret('longer')}` }],
    ];
    for (const [method, path, headers] of attempts) {
      const res = await admin.call(method, path, headers);
      expect({ path, headers, status: res.status, body: res.body }).toEqual({ path, headers, status: 401, body: { error: 'Unauthorized' } });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect(await tableExists(t, 'profiles')).toBe(false);
    expect(await tableExists(t, 'admin_fixture')).toBe(false);
  });

  it('concurrent up calls all answer 200, and each migration is applied once', async () => {
    const responses = await Promise.all([
      admin.call('post', '/api/admin/migrations/up', SECRET_HEADER),
      admin.call('post', '/api/admin/migrations/up', BEARER_HEADER),
      admin.call('post', '/api/db/migrate', SECRET_HEADER),
      admin.call('post', '/api/admin/migrations/up', SECRET_HEADER),
    ]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const applied = responses.map((r) => r.body.applied as string[]);
    expect(applied.filter((a) => a.length > 0)).toEqual([[...REAL, FIXTURE]]);
    expect(applied.filter((a) => a.length === 0)).toHaveLength(3);
    for (const res of responses) {
      expect(res.body.pending).toEqual([]);
      expect(res.body.executed.map((m: { name: string }) => m.name)).toEqual([...REAL, FIXTURE]);
    }
    expect(responses[2].body).toMatchObject({ success: true, message: 'Migration completed' });

    const runs = await t.db.query<{ name: string; runs: number }>(
      'select name, count(*)::int as runs from mikro_orm_migrations group by name order by min(id)',
    );
    expect(runs).toEqual([...REAL, FIXTURE].map((name) => ({ name, runs: 1 })));
    expect(await tableExists(t, 'admin_fixture')).toBe(true);
    expect(await tableExists(t, 'profiles')).toBe(true);
  });

  it('GET /api/admin/migrations then lists them as executed, with the recorded times', async () => {
    const res = await admin.call('get', '/api/admin/migrations', BEARER_HEADER, 200);
    const rows = await t.db.query<{ name: string; executed_at: Date }>('select name, executed_at from mikro_orm_migrations order by id');
    expect(res.body).toEqual({
      executed: rows.map((r) => ({ name: r.name, executedAt: r.executed_at.toISOString() })),
      pending: [],
    });
    expect(rows.map((r) => r.name)).toEqual([...REAL, FIXTURE]);
  });

  it('POST /api/db/migrate keeps the contract shape when there is nothing to apply', async () => {
    const res = await admin.call('post', '/api/db/migrate', BEARER_HEADER, 200);
    expect(res.body).toEqual({
      success: true,
      message: 'Migration completed',
      applied: [],
      pending: [],
      executed: [...REAL, FIXTURE].map((name) => ({ name, executedAt: expect.any(String) })),
    });
  });

  it('throttles the client after ADMIN_RATE_LIMIT attempts per window, right or wrong, with Retry-After', async () => {
    for (let i = 0; i < RATE_LIMIT - 1; i++) {
      await admin.call('post', '/api/admin/migrations/up', { 'x-migrate-secret': wrongSecret(`guess${i}`) }, 401);
    }
    await admin.call('get', '/api/admin/migrations', SECRET_HEADER, 200);

    const limited = await admin.call('get', '/api/admin/migrations', SECRET_HEADER);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ error: 'Too many requests' });
    expect(limited.headers['retry-after']).toBe(String(WINDOW_SECONDS));

    advance(20);
    const still = await admin.call('post', '/api/db/migrate', SECRET_HEADER);
    expect(still.status).toBe(429);
    expect(still.headers['retry-after']).toBe(String(WINDOW_SECONDS - 20));

    advance(WINDOW_SECONDS - 20);
    await admin.call('get', '/api/admin/migrations', SECRET_HEADER, 200);
  });

  it('documents the routes in OpenAPI behind the secret scheme', async () => {
    const res = await request(t.url).get('/docs-json').expect(200);
    for (const [path, method] of [['/api/db/migrate', 'post'], ['/api/admin/migrations', 'get'], ['/api/admin/migrations/up', 'post']]) {
      const operation = res.body.paths[path]?.[method];
      expect({ path, security: operation?.security, statuses: Object.keys(operation?.responses ?? {}).sort() }).toEqual({
        path,
        security: [{ 'migrate-secret': [] }],
        statuses: expect.arrayContaining(['200', '401', '429', '503']),
      });
    }
  });

  it('logged one audit line per attempt with its outcome, and never a secret or a guess', () => {
    admin.expectCleanAuditTrail();
    const applying = auditLines(t).filter((l) => (l.applied ?? []).length > 0);
    expect(applying).toEqual([expect.objectContaining({ outcome: 'ok', applied: [...REAL, FIXTURE] })]);
  });
});
