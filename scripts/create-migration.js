#!/usr/bin/env node
// `npm run migration:create -- <name> [--blank]`: MikroORM's migrator diffs the entities against a
// throw-away embedded database built by every existing migration, writes the next migration class into
// migrations/ (TypeScript) and this script registers it in migrations/index.ts (migrations are listed
// explicitly). No change to the entities: nothing is written, unless --blank asks for an empty class.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const args = process.argv.slice(2);
const blank = args.includes('--blank');
const name = (args.find((a) => !a.startsWith('--')) ?? '').replace(/[^A-Za-z0-9_]/g, '_');
if (!name) {
  process.stderr.write('usage: npm run migration:create -- <name> [--blank]\n');
  process.exit(2);
}
const dist = join(__dirname, '..', 'dist');
const { loadConfig } = require(join(dist, 'src/config/app-config'));
const { EmbeddedDatabase } = require(join(dist, 'src/database/embedded-database'));
const { MigrationRunner } = require(join(dist, 'src/database/migration-runner'));
const { openOrm } = require(join(dist, 'src/database/orm.config'));
const { MIGRATIONS } = require(join(dist, 'migrations'));

async function main() {
  const migrationsDir = join(__dirname, '..', 'migrations');
  const embedded = await EmbeddedDatabase.start(null);
  // A fixed environment, not the developer's (.env included): the diff is always against this throw-away database.
  const config = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn' }, { embeddedDatabaseUrl: embedded.url });
  const orm = await openOrm(config.database, config.database.url);
  try {
    await new MigrationRunner(orm, MIGRATIONS).up();
    const result = await orm.migrator.create(migrationsDir, blank, false, name);
    if (!result.fileName) {
      process.stdout.write('The entities match the migrations: nothing to generate (--blank writes an empty migration).\n');
      return;
    }
    const className = result.fileName.replace(/\.ts$/, '');
    const index = join(migrationsDir, 'index.ts');
    let text = readFileSync(index, 'utf8');
    text = text.replace(/((?:^import .*\n)+)/m, `$1import { ${className} } from './${className}';\n`);
    text = text.replace(/\n\];\s*$/, `\n  { name: '${className}', class: ${className} },\n];\n`);
    writeFileSync(index, text);
    process.stdout.write(`created migrations/${result.fileName} and registered it in migrations/index.ts:\n${result.diff.up.join('\n')}\n`);
  } finally {
    await orm.close(true);
    await embedded.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
