import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { detectTarget } from './pg-target';

declare global {
  var __VILLA_EMBEDDED_POOL__: import('node:child_process').ChildProcess | undefined;
}

/** Decides which PostgreSQL the suites use and, for the embedded fallback, starts the PGlite pool. */
export default async function globalSetup(): Promise<void> {
  const target = await detectTarget();
  process.env.VILLA_TEST_PG_MODE = target.mode;
  if (target.mode === 'server') {
    process.env.VILLA_TEST_PG_ADMIN_URL = target.adminUrl;
    const shown = new URL(target.adminUrl);
    process.stdout.write(`\n[e2e] PostgreSQL server at ${shown.hostname}:${shown.port || 5432}\n`);
    return;
  }
  if (process.env.CI && process.env.TEST_EMBEDDED !== '1') {
    throw new Error('CI must prove the real-server path, but no PostgreSQL server answered on 127.0.0.1:5432');
  }
  process.stdout.write('\n[e2e] no PostgreSQL server answered: using the embedded PGlite\n');
  const child = spawn(process.execPath, [join(__dirname, 'embedded-pool.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  process.env.VILLA_TEST_EMBEDDED_CONTROL = JSON.parse(String(line)).control;
  child.stdout!.resume();
  child.unref();
  globalThis.__VILLA_EMBEDDED_POOL__ = child;
}
