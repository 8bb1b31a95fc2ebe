import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The bench's command line. */

/** The repository root, from the compiled file (dist/bench/options.js). */
export const ROOT = resolve(__dirname, '..', '..');
export const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
/** What README and docs/performance.md quote: written only by a run with every default. */
export const PUBLISHED_RESULTS = join(ROOT, 'bench', 'results', 'latest.json');

export interface Options {
  quick: boolean;
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  endpoints: string[] | null;
  memorySeconds: number;
  memoryWarmup: number;
  /** Seconds of every endpoint mixed on each server before the rounds, so they measure steady state. */
  steadyWarmup: number;
  profiles: number;
  writers: number;
  /** Applied to both processes (e.g. DATABASE_POOL_MAX) or to the service only. */
  env: Record<string, string>;
  serviceEnv: Record<string, string>;
  /** Extra node flags for the service (e.g. --cpu-prof), which NODE_OPTIONS does not accept. */
  serviceNodeArgs: string[];
  /** Where the service's stdout goes (request logs, --trace-gc); nowhere by default. */
  serviceLog: string | null;
  out: string;
}

export const HELP = `usage: node dist/bench/run.js [options]
  --quick                 short rounds and a short memory run, for checking the harness
  --duration <s>          seconds per round, per endpoint, per server (default 5; quick 1)
  --rounds <n>            alternating rounds per endpoint (default 2)
  --warmup <s>            warm-up per endpoint and server before the rounds (default 2; quick 0.5)
  --steady-warmup <s>     every endpoint mixed on each server before the rounds (default 120; quick 0):
                          the rounds then measure a process past its first full GCs under load
  --connections <n>       concurrent connections (default 50)
  --endpoints <a,b,…>     only these: profile-hit, profile-miss, check-taken, check-free, reverse, resolve, batch-50, write
  --memory <s>            sustained mixed run measuring the service's RSS (default 60 or BENCH_MEMORY_SECONDS; quick 10; 0 skips)
  --profiles <n>          profiles seeded (default 100000)
  --env K=V               environment for both the service and the baseline (repeatable)
  --service-env K=V       environment for the service only (repeatable)
  --service-node-arg <a>  a node flag for the service, e.g. --cpu-prof (repeatable)
  --service-log <file>    the service's stdout (request logs, --trace-gc output) to a file
  --out <file>            results file (default: bench/results/latest.json for a run with no options,
                          a new file in the OS temp directory for any other, so a partial or
                          experimental run never replaces the published results)
Database: TEST_DATABASE_URL (an admin URL) or ${LOCAL_ADMIN_URL}.`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const quick = argv.includes('--quick');
  const opts: Options = {
    quick,
    duration: quick ? 1 : 5,
    rounds: 2,
    warmup: quick ? 0.5 : 2,
    connections: 50,
    endpoints: null,
    memorySeconds: quick ? 10 : Number(env.BENCH_MEMORY_SECONDS ?? 60),
    memoryWarmup: quick ? 3 : 10,
    steadyWarmup: quick ? 0 : 120,
    profiles: 100_000,
    writers: 200,
    env: {},
    serviceEnv: {},
    serviceNodeArgs: [],
    serviceLog: null,
    out: '',
  };
  const num = (flag: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number ≥ ${min}`);
    return n;
  };
  const pair = (flag: string, value: string | undefined): [string, string] => {
    const at = value?.indexOf('=') ?? -1;
    if (!value || at < 1) throw new Error(`${flag} needs KEY=VALUE`);
    return [value.slice(0, at), value.slice(at + 1)];
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const takes = () => {
      i++;
      return value;
    };
    switch (flag) {
      case '--quick':
        break;
      case '--duration':
        opts.duration = num(flag, takes(), 0.5);
        break;
      case '--rounds':
        opts.rounds = num(flag, takes(), 1);
        break;
      case '--warmup':
        opts.warmup = num(flag, takes(), 0);
        break;
      case '--connections':
        opts.connections = num(flag, takes(), 1);
        break;
      case '--endpoints':
        opts.endpoints = (takes() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case '--steady-warmup':
        opts.steadyWarmup = num(flag, takes(), 0);
        break;
      case '--memory':
        opts.memorySeconds = num(flag, takes(), 0);
        break;
      case '--profiles':
        opts.profiles = num(flag, takes(), 1000);
        break;
      case '--env': {
        const [k, v] = pair(flag, takes());
        opts.env[k] = v;
        break;
      }
      case '--service-env': {
        const [k, v] = pair(flag, takes());
        opts.serviceEnv[k] = v;
        break;
      }
      case '--service-node-arg':
        opts.serviceNodeArgs.push(takes() ?? '');
        break;
      case '--service-log':
        opts.serviceLog = resolve(takes() ?? '');
        break;
      case '--out':
        opts.out = resolve(takes() ?? '');
        break;
      case '--help':
        process.stdout.write(`${HELP}\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${flag}\n${HELP}`);
    }
  }
  if (!opts.out) {
    opts.out =
      argv.length === 0
        ? PUBLISHED_RESULTS
        : join(tmpdir(), `villa-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  }
  return opts;
}
