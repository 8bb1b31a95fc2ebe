import { join } from 'node:path';
import { spawnNode } from './support/app-process';
import { startTestApp, TestApp } from './support/test-app';

const SMOKE = join(__dirname, '..', 'scripts', 'smoke.js');

/** `npm run smoke -- <url>` as QA runs it: a separate process with no database settings at all. */
async function smoke(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawnNode(SMOKE, { HOME: process.env.HOME ?? '/tmp' }, args);
  const code = await child.exited(120_000);
  return { code, output: child.output() };
}

describe('npm run smoke -- <base-url>', () => {
  let good: TestApp;
  let broken: TestApp;

  beforeAll(async () => {
    [good, broken] = await Promise.all([
      startTestApp(),
      // A deployment that breaks the contract: "admin" is no longer reserved.
      startTestApp({ env: { RESERVED_NICKNAMES: 'root,system' } }),
    ]);
  });

  afterAll(async () => {
    await good?.close();
    await broken?.close();
  });

  it('passes against an instance that keeps the contract (exit 0), writing nothing', async () => {
    const before = await good.db.query(`select count(*)::int as n from profiles`);
    const run = await smoke([good.url]);
    expect(run.output).toMatch(/Tests:\s+15 passed, 15 total/);
    expect(run.code).toBe(0);
    expect(await good.db.query(`select count(*)::int as n from profiles`)).toEqual(before);
  });

  it('passes against an instance without the API docs (DOCS_ENABLED=false, as in production)', async () => {
    const undocumented = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
    try {
      const run = await smoke([undocumented.url]);
      expect(run.output).toMatch(/Tests:\s+15 passed, 15 total/);
      expect(run.code).toBe(0);
    } finally {
      await undocumented.close();
    }
  });

  it('fails (exit ≠ 0) naming the broken check against an instance that breaks it', async () => {
    const run = await smoke([broken.url]);
    expect(run.output).toMatch(/✕ GET \/api\/nicknames\/check\/admin → reserved/);
    expect(run.output).toMatch(/Tests:\s+1 failed, 14 passed, 15 total/);
    expect(run.code).not.toBe(0);
  });

  it('refuses a missing or non-HTTP base URL with the usage line (exit 2)', async () => {
    for (const args of [[], ['postgresql://127.0.0.1:5432/villa']]) {
      const run = await smoke(args);
      expect(run.output).toContain('usage: npm run smoke -- <base-url>');
      expect(run.code).toBe(2);
    }
  });
});
