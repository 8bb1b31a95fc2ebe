#!/usr/bin/env node
// `npm run migration:create -- <name>`: writes an empty, timestamped migration class into
// migrations/ and registers it in migrations/index.ts (migrations are listed explicitly).
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const name = (process.argv[2] ?? '').replace(/[^A-Za-z0-9_]/g, '_');
if (!name) {
  process.stderr.write('usage: npm run migration:create -- <name>\n');
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const className = `Migration${stamp}_${name}`;
const dir = join(__dirname, '..', 'migrations');
writeFileSync(
  join(dir, `${className}.ts`),
  `import { Migration } from '@mikro-orm/migrations';

export class ${className} extends Migration {
  async up(): Promise<void> {
    this.addSql(\`\`);
  }

  async down(): Promise<void> {
    this.addSql(\`\`);
  }
}
`,
);
const index = join(dir, 'index.ts');
let text = readFileSync(index, 'utf8');
// After the last import, so the list's doc comment stays attached to the list.
text = text.replace(/(^import .*\n)(?!import )/m, `$1import { ${className} } from './${className}';\n`);
text = text.replace(/\n\];\s*$/, `\n  { name: '${className}', class: ${className} },\n];\n`);
writeFileSync(index, text);
process.stdout.write(`created migrations/${className}.ts and registered it in migrations/index.ts\n`);
