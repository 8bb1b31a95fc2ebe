import { MIGRATIONS } from '../migrations';
import { FIXTURE_FAILING_MIGRATION, FIXTURE_FAILURE_DETAIL } from './fixtures/migrations';
import { AdminClient, auditLines, SECRET_HEADER, tableExists } from './support/admin-client';
import { startTestApp, TestApp } from './support/test-app';

const REAL = MIGRATIONS.map((m) => m.name);
const FAILING = FIXTURE_FAILING_MIGRATION.name;

// A file of its own: Nest's static Logger (behind every `new Logger(context)`) is process-wide and
// writes to the last app created, so a second app in one file would take this app's log lines.
describe('admin migrations: a migration that fails', () => {
  let t: TestApp;
  let admin: AdminClient;

  beforeAll(async () => {
    t = await startTestApp({ env: { MIGRATE_ON_BOOT: 'false' }, migrations: [...MIGRATIONS, FIXTURE_FAILING_MIGRATION] });
    admin = new AdminClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 500 naming it, rolls the whole run back, and keeps the detail in the log', async () => {
    await admin.call('get', '/api/admin/migrations', SECRET_HEADER, 200); // creates the (empty) bookkeeping table

    for (const path of ['/api/admin/migrations/up', '/api/db/migrate']) {
      const res = await admin.call('post', path, SECRET_HEADER);
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: 'Migration failed', migration: FAILING });
      expect(res.text).not.toContain('fixture failure');
    }

    expect(await tableExists(t, 'admin_fixture_partial')).toBe(false);
    expect(await tableExists(t, 'profiles')).toBe(false); // applied earlier in the same run, rolled back too
    expect(await t.db.query('select name from mikro_orm_migrations')).toEqual([]);
    const status = await admin.call('get', '/api/admin/migrations', SECRET_HEADER, 200);
    expect(status.body).toEqual({ executed: [], pending: [...REAL, FAILING] });

    expect(t.logs.filter((l) => l.includes(FIXTURE_FAILURE_DETAIL)).length).toBeGreaterThan(0);
    expect(auditLines(t).filter((l) => l.outcome === 'failed')).toEqual([
      expect.objectContaining({ route: 'POST /api/admin/migrations/up', failedMigration: FAILING }),
      expect.objectContaining({ route: 'POST /api/db/migrate', failedMigration: FAILING }),
    ]);
    admin.expectCleanAuditTrail();
  });
});
