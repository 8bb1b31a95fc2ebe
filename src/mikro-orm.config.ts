import { loadConfigModule } from './config/config.module';
import { EmbeddedDatabase } from './database/embedded-database';
import { buildOrmOptions } from './database/orm.config';

/**
 * MikroORM's own CLI (`npx mikro-orm …`, after `npm run build`; package.json "mikro-orm" points here)
 * with the app's options, loaded as `npm start` loads them (.env outside production):
 * DATABASE_MIGRATION_URL or DATABASE_URL, else the embedded database in ./.data/. Apply migrations
 * with `npm run migration:up` (the locked runner), not MikroORM's migrator.
 */
export default async function cliConfig() {
  const { config } = await loadConfigModule();
  const url = config.database.migrationUrl ?? config.database.url ?? (await EmbeddedDatabase.start(config.database.embeddedDataDir)).url;
  return buildOrmOptions({ ...config.database, poolMax: 1 }, url);
}
