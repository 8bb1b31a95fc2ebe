import { Logger } from '@nestjs/common';
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { PRODUCTION_NODE_FLAGS } from '../src/node-flags';
import { createBenchDatabase, migrate, seed, Seeded } from './bench-database';
import { BenchRequest, buildScenarios, Scenario } from './scenarios';
import { BENCH_SIWE_DOMAIN, mintSessions } from './sessions';
import { LOCAL_ADMIN_URL, parseOptions, ROOT } from './options';

/**
 * `npm run bench`: the compiled service against a bare node:http + pg baseline (bench/baseline.ts)
 * on a fresh, seeded database, in alternating rounds so machine drift hits both alike.
 * See docs/performance.md for what it measures and how to read it.
 */

const SERVICE_MAIN = join(ROOT, 'dist', 'src', 'main.js');
const BASELINE_MAIN = join(__dirname, 'baseline.js');
const TARGETS = { read: { rps: 0.8, p99: 1.5 }, write: { rps: 0.6, p99: Infinity } };

const say = (line: string) => process.stdout.write(`${line}\n`);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface Child {
  name: string;
  url: string;
  process: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** The sustained run: RSS of the service process, once a second after the warm-up. */
interface MemoryRun {
  seconds: number;
  requests: number;
  rps: number;
  errors: number;
  unexpected: number;
  startFloorRssMb: number;
  endFloorRssMb: number;
  minRssMb: number;
  peakRssMb: number;
  growthPct: number;
  rssMbEverySecond: number[];
}

/** Starts a compiled entry point with exactly `env` (plus PATH); its stdout (request logs) goes to `log`, else nowhere. */
async function start(name: string, script: string, env: Record<string, string>, nodeArgs: string[] = [], log: string | null = null): Promise<Child> {
  const port = await freePort();
  const stdout = log === null ? 'ignore' : openSync(log, 'w');
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') closeSync(stdout); // the child has its own copy
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-20_000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `path` answers `status`; returns the milliseconds since `since`. */
async function waitFor(child: Child, path: string, status: number, since: number, timeoutMs = 60_000): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if (child.process.exitCode !== null) throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.stderr()}`);
    const got = await fetch(child.url + path).then(
      (res) => res.status,
      () => 0,
    );
    if (got === status) return performance.now() - since;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${child.name} did not answer ${status} on ${path} within ${timeoutMs} ms:\n${child.stderr()}`);
}

async function call(url: string, req: BenchRequest): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url + req.path, { method: req.method, headers: req.headers, body: req.body });
  return { status: res.status, body: await res.json() };
}

/** Same request, same status and same JSON from both, before any number is taken. */
async function checkParity(service: Child, baseline: Child, scenarios: Scenario[]): Promise<string[]> {
  const problems: string[] = [];
  for (const s of scenarios.filter((x) => x.kind === 'read')) {
    for (const n of [0, 1, 2]) {
      const req = s.request(n);
      const [a, b] = await Promise.all([call(service.url, req), call(baseline.url, req)]);
      const view = s.comparable ?? ((x: unknown) => x);
      if (a.status !== b.status || !isDeepStrictEqual(view(a.body), view(b.body)) || !s.expect.includes(a.status)) {
        problems.push(
          `${s.name} ${req.path.slice(0, 80)}: service ${a.status} ${JSON.stringify(a.body).slice(0, 300)} / baseline ${b.status} ${JSON.stringify(b.body).slice(0, 300)}`,
        );
      }
    }
  }
  return problems;
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  unexpected: number;
  statuses: Record<string, number>;
  /** CPU time the server process spent per request: steadier than req/s on a machine shared with the load generator. */
  cpuUsPerRequest: number;
}

/** User + system CPU time of a process so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function load(server: Child, requests: Scenario[], seconds: number, connections: number): Promise<Run> {
  const counters = requests.map(() => 0);
  const cpuBefore = cpuMs(server.process.pid!);
  const result = await autocannon({
    url: server.url,
    connections,
    duration: seconds,
    requests: requests.map((s, i) => ({
      setupRequest: (req: autocannon.Request) => ({ ...req, ...s.request(counters[i]++) }),
    })),
  });
  const cpuUsed = cpuMs(server.process.pid!) - cpuBefore;
  if (server.process.exitCode !== null || server.process.signalCode !== null) {
    throw new Error(`${server.name} exited (${server.process.exitCode ?? server.process.signalCode}) during the run:\n${server.stderr()}`);
  }
  const expected = new Set(requests.flatMap((s) => s.expect));
  const statuses: Record<string, number> = {};
  let unexpected = 0;
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    const count = (stat as { count?: number }).count ?? 0;
    statuses[code] = count;
    if (!expected.has(Number(code))) unexpected += count;
  }
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    unexpected,
    statuses,
    cpuUsPerRequest: result.requests.total ? (cpuUsed * 1000) / result.requests.total : 0,
  };
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Side {
  rps: number;
  p50: number;
  p99: number;
  roundsRps: number[];
  cpuUsPerRequest: number;
  errors: number;
  unexpected: number;
}

function summarize(runs: Run[]): Side {
  return {
    rps: Math.round(mean(runs.map((r) => r.rps))),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    roundsRps: runs.map((r) => Math.round(r.rps)),
    cpuUsPerRequest: Math.round(median(runs.map((r) => r.cpuUsPerRequest))),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    unexpected: runs.reduce((a, r) => a + r.unexpected, 0),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')).join('\n');
}

function machine(pgVersion: string) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    cpus: cpus().length,
    model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1].trim() ?? cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    postgres: pgVersion,
  };
}

function commit(): { commit: string | null; dirty: boolean } {
  try {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const hash = git('rev-parse', '--short', 'HEAD');
    // The results files are this program's own output: rewriting them does not make a run dirty.
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)bench/results') !== '';
    return { commit: hash, dirty };
  } catch {
    return { commit: null, dirty: false };
  }
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2), process.env);
  const adminUrl = process.env.TEST_DATABASE_URL || LOCAL_ADMIN_URL;
  const loadAtStart = loadavg();
  say(`load average at start: ${loadAtStart.map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);
  if (loadAtStart[0] > 0.5) say('warning: the machine is busy; numbers will be noisy (ratios less so: rounds alternate)');

  const db = await createBenchDatabase(adminUrl);
  const children: Child[] = [];
  const cleanup = async () => {
    await Promise.all(children.map((c) => c.stop()));
    await db.drop();
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  try {
    say(`database ${db.name} (PostgreSQL ${db.version})`);
    const common = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      MIGRATE_SECRET: randomBytes(30).toString('base64url'), // 40 characters
      SESSION_SECRET: randomBytes(30).toString('base64url'),
      SIWE_DOMAINS: BENCH_SIWE_DOMAIN,
      SIWE_EOA_ONLY: 'true', // the bench signs in with EOAs; production requires CHAIN_RPC_URL otherwise
      // One rate-limit bucket per simulated client IP (see scenarios.ts), with limits no bench reaches:
      // the bench pays for counting, never sees a 429.
      TRUST_PROXY: 'true',
      RATE_LIMIT_LOOKUPS: '1000000000',
      RATE_LIMIT_WRITES: '1000000000',
      RATE_LIMIT_AUTH: '1000000000',
      ...opts.env,
    };
    Logger.overrideLogger(['warn', 'error']); // the migration runner's progress lines
    await migrate(common);
    const seeded: Seeded = await seed(db.url, opts.profiles, opts.writers, 2000);
    say(`seeded ${opts.profiles} profiles + ${opts.writers} writers in ${Math.round(seeded.seedMs)} ms`);

    const bootStarted = performance.now();
    // As production starts it (npm run start:prod), plus any --service-node-arg.
    const serviceNodeArgs = [...PRODUCTION_NODE_FLAGS, ...opts.serviceNodeArgs];
    const service = await start('service', SERVICE_MAIN, { ...common, ...opts.serviceEnv }, serviceNodeArgs, opts.serviceLog);
    children.push(service);
    const bootMs = await waitFor(service, '/health/ready', 200, bootStarted);
    say(`service: boot to ready (spawn → /health/ready 200) ${Math.round(bootMs)} ms`);

    const tokens = await mintSessions(service.url, seeded.writers);
    say(`sessions: ${tokens.size} writers signed in (SIWE) before any clock starts`);
    const baseline = await start('baseline', BASELINE_MAIN, common);
    children.push(baseline);
    await waitFor(baseline, `/api/profile/${seeded.named[0].address}`, 200, performance.now());

    const all = buildScenarios(seeded, (w) => ({ authorization: `Bearer ${tokens.get(w.address)}` }));
    const unknown = (opts.endpoints ?? []).filter((e) => !all.some((s) => s.name === e));
    if (unknown.length) throw new Error(`unknown endpoint(s): ${unknown.join(', ')}`);
    const scenarios = opts.endpoints ? all.filter((s) => opts.endpoints!.includes(s.name)) : all;

    const parity = await checkParity(service, baseline, scenarios);
    if (parity.length) throw new Error(`the baseline and the service disagree:\n  ${parity.join('\n  ')}`);
    say('parity: the service and the baseline return the same status and JSON for every read scenario');
    if (opts.steadyWarmup > 0) {
      // A fresh process is not what production runs: the JIT, the pools, V8's heap sizing and the first
      // full GCs under load settle over the first minute or two, and a bug that showed only after the
      // first full GC (docs/performance.md, "Garbage collection") hid from runs on fresh processes.
      // Both servers get the same sustained warm-up, one after the other.
      for (const server of [service, baseline]) {
        say(`${server.name}: ${opts.steadyWarmup} s of every endpoint mixed before the rounds (steady state)`);
        await load(server, all, opts.steadyWarmup, opts.connections);
      }
    }

    const servers = [service, baseline];
    if (opts.warmup > 0) {
      say(`warm-up: ${opts.warmup} s per endpoint and server`);
      for (const s of scenarios) for (const server of servers) await load(server, [s], opts.warmup, opts.connections);
    }
    const runs = new Map<string, { service: Run[]; baseline: Run[] }>(scenarios.map((s) => [s.name, { service: [], baseline: [] }]));
    for (let r = 1; r <= opts.rounds; r++) {
      for (const s of scenarios) {
        for (const server of servers) {
          const run = await load(server, [s], opts.duration, opts.connections);
          runs.get(s.name)![server.name as 'service' | 'baseline'].push(run);
          say(
            `round ${r}/${opts.rounds} ${s.name.padEnd(12)} ${server.name.padEnd(8)} ${Math.round(run.rps).toString().padStart(6)} req/s` +
              `  p50 ${run.p50} ms  p99 ${run.p99} ms  CPU ${Math.round(run.cpuUsPerRequest)} µs/req${run.errors || run.unexpected ? `  errors ${run.errors} unexpected ${JSON.stringify(run.statuses)}` : ''}`,
          );
        }
      }
    }

    let memory: MemoryRun | null = null;
    if (opts.memorySeconds > 0) {
      say(`memory: ${opts.memoryWarmup} s warm-up, then ${opts.memorySeconds} s of every endpoint mixed`);
      await load(service, scenarios, opts.memoryWarmup, opts.connections);
      // RSS follows the old generation's sawtooth (a full GC every few seconds to tens of seconds),
      // ±20%: a reading at each end, or a few seconds' median, mostly says which phase it fell in (two
      // runs of the same code measured −15.7% and +23% that way). A leak raises the floor the sawtooth
      // comes back to, so growth compares the lowest reading of the first third with that of the last.
      const pid = service.process.pid!;
      const samplesKb = [rssKb(pid)];
      const sampler = setInterval(() => samplesKb.push(rssKb(pid)), 1000);
      const sustained = await load(service, scenarios, opts.memorySeconds, opts.connections);
      clearInterval(sampler);
      samplesKb.push(rssKb(pid));
      const third = Math.ceil(samplesKb.length / 3);
      const startKb = Math.min(...samplesKb.slice(0, third));
      const endKb = Math.min(...samplesKb.slice(-third));
      const mb = (kb: number) => round(kb / 1024, 1);
      memory = {
        seconds: opts.memorySeconds,
        requests: sustained.requests,
        rps: Math.round(sustained.rps),
        errors: sustained.errors,
        unexpected: sustained.unexpected,
        startFloorRssMb: mb(startKb),
        endFloorRssMb: mb(endKb),
        minRssMb: mb(Math.min(...samplesKb)),
        peakRssMb: mb(Math.max(...samplesKb)),
        growthPct: round(((endKb - startKb) / startKb) * 100, 1),
        rssMbEverySecond: samplesKb.map(mb),
      };
      say(
        `memory: lowest RSS of the first ${third} s ${memory.startFloorRssMb} MB → of the last ${third} s ${memory.endFloorRssMb} MB` +
          ` (range ${memory.minRssMb}–${memory.peakRssMb} MB): ${memory.growthPct}% over ${sustained.requests} requests (target: < 10%)`,
      );
    }

    const endpoints = scenarios.map((s) => {
      const both = runs.get(s.name)!;
      const svc = summarize(both.service);
      const base = summarize(both.baseline);
      const ratio = {
        rps: round(svc.rps / base.rps),
        p99: round(svc.p99 / Math.max(base.p99, 1)),
        cpu: round(svc.cpuUsPerRequest / Math.max(base.cpuUsPerRequest, 1)),
      };
      const target = TARGETS[s.kind];
      return { name: s.name, kind: s.kind, service: svc, baseline: base, ratio, meetsTarget: ratio.rps >= target.rps && ratio.p99 <= target.p99 };
    });
    const failures =
      endpoints.reduce((a, e) => a + e.service.errors + e.service.unexpected + e.baseline.errors + e.baseline.unexpected, 0) +
      (memory ? memory.errors + memory.unexpected : 0);

    say('');
    say(
      table([
        ['endpoint', 'service req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'baseline req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'req/s ratio', 'p99 ratio', 'errors', 'target'],
        ...endpoints.map((e) => [
          e.name,
          String(e.service.rps),
          String(e.service.p50),
          String(e.service.p99),
          String(e.service.cpuUsPerRequest),
          String(e.baseline.rps),
          String(e.baseline.p50),
          String(e.baseline.p99),
          String(e.baseline.cpuUsPerRequest),
          e.ratio.rps.toFixed(2),
          e.ratio.p99.toFixed(2),
          String(e.service.errors + e.service.unexpected + e.baseline.errors + e.baseline.unexpected),
          `${e.meetsTarget ? 'met' : 'MISSED'} (≥${TARGETS[e.kind].rps}${e.kind === 'read' ? `, p99 ≤${TARGETS.read.p99}×` : ''})`,
        ]),
      ]),
    );
    const loadAtEnd = loadavg();
    say(`\nboot to ready: ${Math.round(bootMs)} ms; load average at end: ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')}`);

    const results = {
      date: new Date().toISOString(),
      ...commit(),
      machine: machine(db.version),
      loadAverage: { start: loadAtStart.map((l) => round(l)), end: loadAtEnd.map((l) => round(l)) },
      settings: {
        quick: opts.quick,
        secondsPerRound: opts.duration,
        rounds: opts.rounds,
        connections: opts.connections,
        steadyWarmupSeconds: opts.steadyWarmup,
        profiles: opts.profiles,
        env: opts.env,
        serviceEnv: opts.serviceEnv,
        serviceNodeArgs,
      },
      bootToReadyMs: Math.round(bootMs),
      endpoints,
      memory,
      failures,
    };
    mkdirSync(dirname(opts.out), { recursive: true });
    writeFileSync(`${opts.out}.tmp`, `${JSON.stringify(results, null, 2)}\n`);
    renameSync(`${opts.out}.tmp`, opts.out);
    say(`results: ${opts.out}`);
    if (failures > 0) say(`FAILED: ${failures} requests errored or answered an unexpected status`);
    return failures > 0 ? 1 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
