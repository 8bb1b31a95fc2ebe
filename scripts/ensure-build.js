#!/usr/bin/env node
// Builds dist/ when it is missing or older than any source file, so `npm start` works right after
// `npm ci` and never runs stale code. Plain JS: it must run before anything is compiled.
const { existsSync, statSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'src', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (item.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

const sources = Math.max(...['src', 'migrations', 'bench'].map((d) => newestMtime(join(root, d))));
if (!existsSync(entry) || statSync(entry).mtimeMs < sources) {
  process.stdout.write('Building (dist/ is missing or out of date)…\n');
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], { cwd: root, stdio: 'inherit' });
}
