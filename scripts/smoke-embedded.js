#!/usr/bin/env node
// The embedded-default smoke test CI runs after the suites: the compiled app with no DATABASE_URL
// (a fresh data directory) must start, be ready, sign a user in, store their profile, and stop
// cleanly on SIGTERM.
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const net = require('node:net');
const { signIn } = require('./dev-session');

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(base, child, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`app exited early with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health/ready`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('app not ready in time');
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'villa-smoke-'));
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_DATA_DIR: dataDir, SIWE_DOMAINS: `127.0.0.1:${port}` };
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitReady(base, child, 60_000);
    const { token, address } = await signIn(base);
    const created = await fetch(`${base}/api/profile`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ address, nickname: 'SmokeTest' }),
    });
    if (created.status !== 201) throw new Error(`POST /api/profile answered ${created.status}: ${await created.text()}`);
    const read = await (await fetch(`${base}/api/profile/${address}`)).json();
    if (read.nickname !== 'SmokeTest') throw new Error(`GET returned ${JSON.stringify(read)}`);
    if (!/embedded PostgreSQL/.test(output)) throw new Error('the log does not say the embedded database is in use');
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    if (code !== 0) throw new Error(`exit code ${code} after SIGTERM`);
    process.stdout.write('embedded smoke test: 1 passed, 0 failed\n');
  } catch (err) {
    child.kill('SIGKILL');
    process.stderr.write(`${output}\nembedded smoke test failed: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main();
