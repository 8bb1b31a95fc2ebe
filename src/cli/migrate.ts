import 'reflect-metadata';
import { MIGRATIONS } from '../../migrations';
import { ConfigError } from '../config/app-config';
import { loadConfigModule } from '../config/config.module';
import { describeConnectionError } from '../database/connection-diagnostics';
import { parseDatabaseUrl } from '../database/connection-options';
import { EmbeddedDatabase } from '../database/embedded-database';
import { MigrationFailedError, MigrationRunner, MigrationStatus } from '../database/migration-runner';
import { openOrm } from '../database/orm.config';

const USAGE = 'usage: migrate <status|up|down>';

function printStatus(status: MigrationStatus): void {
  for (const m of status.executed) process.stdout.write(`  executed  ${m.name}  (${m.executedAt})\n`);
  for (const name of status.pending) process.stdout.write(`  pending   ${name}\n`);
  process.stdout.write(`${status.executed.length} executed, ${status.pending.length} pending\n`);
}

/**
 * The migration CLI (`npm run migration:*`, and the deploy job as `node dist/src/cli/migrate.js up`).
 * The same runner as the boot path and the admin endpoint, under the same advisory lock.
 * DATABASE_MIGRATION_URL, when set, is used instead of DATABASE_URL (a direct connection when the
 * app itself goes through a connection pooler).
 */
async function main(command: string | undefined): Promise<number> {
  if (!command || !['status', 'up', 'down'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const { config } = await loadConfigModule();
  const embedded = config.database.url ? null : await EmbeddedDatabase.start(config.database.embeddedDataDir);
  const url = config.database.migrationUrl ?? config.database.url ?? embedded!.url;
  const db = { ...config.database, poolMax: 1 };
  const orm = await openOrm(db, url);
  try {
    const check = await orm.em.getConnection().checkConnection();
    if (!check.ok) {
      process.stderr.write(`${describeConnectionError(check.error, parseDatabaseUrl(url), db.connectTimeoutMs)}\n`);
      return 1;
    }
    const runner = new MigrationRunner(orm, MIGRATIONS);
    if (command === 'status') {
      printStatus(await runner.status());
    } else if (command === 'up') {
      const run = await runner.up();
      process.stdout.write(run.applied.length ? `applied: ${run.applied.join(', ')}\n` : 'nothing to apply\n');
      printStatus(run);
    } else {
      const run = await runner.down();
      process.stdout.write(run.reverted ? `reverted: ${run.reverted}\n` : 'nothing to revert\n');
      printStatus(run);
    }
    return 0;
  } catch (err) {
    if (err instanceof MigrationFailedError) {
      process.stderr.write(`migration ${err.migration} failed and was rolled back: ${String((err.cause as Error)?.message ?? err.cause)}\n`);
      return 1;
    }
    throw err;
  } finally {
    await orm.close();
    await embedded?.stop();
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) for (const p of err.problems) process.stderr.write(`config error: ${p}\n`);
    else process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
