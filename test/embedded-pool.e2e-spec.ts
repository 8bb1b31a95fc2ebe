import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * The PGlite pool behind TEST_EMBEDDED=1 (test/support/embedded-pool.js), started here on its own in
 * either mode. On a loaded machine the suites' apps failed their 5 s connect timeout against it while
 * another suite's database was starting: every database shared one thread.
 */
describe('the embedded test database pool', () => {
  let pool: ChildProcess;
  let control: string;
  const create = async () => (await (await fetch(`${control}/databases`, { method: 'POST' })).json()) as { id: string; url: string };
  const drop = (id: string) => fetch(`${control}/databases/${id}`, { method: 'DELETE' });

  beforeAll(async () => {
    pool = spawn(process.execPath, [join(__dirname, 'support', 'embedded-pool.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(pool.stdout!, 'data')) as [Buffer];
    control = JSON.parse(String(line)).control;
  });
  afterAll(() => {
    pool?.kill('SIGTERM');
  });

  it('answers a connection to one database at once while another one is being created', async () => {
    const first = await create();
    let created = false;
    const second = create().then((db) => ((created = true), db));
    let worstMs = 0;
    let probes = 0;
    while (!created) {
      const started = Date.now();
      const client = new Client({ connectionString: first.url });
      await client.connect();
      await client.query('select 1');
      worstMs = Math.max(worstMs, Date.now() - started);
      probes++;
      await client.end();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(probes).toBeGreaterThan(0);
    // Was over 5 s (the app's connect timeout) under load with one shared thread; ~0.3 s now.
    expect(worstMs).toBeLessThan(1500);

    // Two databases, two separate clusters: a table made in one is not in the other.
    const b = await second;
    const [ca, cb] = [new Client({ connectionString: first.url }), new Client({ connectionString: b.url })];
    await Promise.all([ca.connect(), cb.connect()]);
    await ca.query('create table only_in_first (id int)');
    await expect(cb.query('select 1 from only_in_first')).rejects.toThrow(/does not exist/);
    await Promise.all([ca.end(), cb.end()]);
    expect((await drop(first.id)).status).toBe(204);
    expect((await drop(b.id)).status).toBe(204);
  });
});
