import { AdminClient, BEARER_HEADER, SECRET_HEADER } from './support/admin-client';
import { startTestApp, TestApp } from './support/test-app';

// A file of its own: Nest's static Logger (behind every `new Logger(context)`) is process-wide and
// writes to the last app created, so a second app in one file would take this app's log lines.
describe('admin migrations: no MIGRATE_SECRET configured', () => {
  let t: TestApp;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await startTestApp({ env: { MIGRATE_SECRET: '' } });
    admin = new AdminClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('treats a blank MIGRATE_SECRET as unset', () => {
    expect(t.config.admin.migrateSecret).toBeNull();
  });

  it('answers 503 Not configured on every admin route, whatever is presented', async () => {
    const attempts: ['get' | 'post', string, Record<string, string>][] = [
      ['post', '/api/db/migrate', { 'x-migrate-secret': '' }],
      ['post', '/api/db/migrate', {}],
      ['get', '/api/admin/migrations', SECRET_HEADER],
      ['post', '/api/admin/migrations/up', BEARER_HEADER],
    ];
    for (const [method, path, headers] of attempts) {
      const res = await admin.call(method, path, headers);
      expect({ path, headers, status: res.status, body: res.body }).toEqual({ path, headers, status: 503, body: { error: 'Not configured' } });
    }
    admin.expectCleanAuditTrail();
  });
});
