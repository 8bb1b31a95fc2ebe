#!/usr/bin/env node
// `npm run smoke -- <base-url>`: runs the read-only contract checks (test/smoke/) against a running
// instance over HTTP — a deployed one, or a local one. Exits non-zero when the contract breaks.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const arg = process.argv[2];
let base;
try {
  base = new URL(arg);
} catch {
  base = null;
}
if (!base || !['http:', 'https:'].includes(base.protocol)) {
  process.stderr.write('usage: npm run smoke -- <base-url>   (e.g. https://villa-profile-api-abc12.ondigitalocean.app)\n');
  process.exit(2);
}

const result = spawnSync(
  process.execPath,
  [require.resolve('jest/bin/jest'), '--config', join(root, 'test', 'jest-smoke.config.js'), '--runInBand', '--bail'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SMOKE_BASE_URL: base.toString().replace(/\/$/, '') } },
);
process.exit(result.status ?? 1);
