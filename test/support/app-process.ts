import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PRODUCTION_NODE_FLAGS } from '../../src/node-flags';

const ROOT = join(__dirname, '..', '..');
export const COMPILED_MAIN = join(ROOT, 'dist', 'src', 'main.js');
export const COMPILED_MIGRATE_CLI = join(ROOT, 'dist', 'src', 'cli', 'migrate.js');

/** Compiles dist/ when a source is newer (the suites that spawn the real process call it in beforeAll). */
export function ensureBuild(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'ensure-build.js')], { cwd: ROOT, stdio: 'pipe' });
}

/** A port free right now on 127.0.0.1 (the OS picks it; never a fixed number). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface AppProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal), rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | null>;
  /**
   * Resolves once the output matches `pattern` (bounded). Development logs go through pino-pretty's
   * worker thread, so on a loaded machine a line can arrive after the app already answers.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Polls `url` until it answers 200 (bounded); fails early when the process exits. */
  waitFor(url: string, timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running: for afterAll, so a failed test never leaves a process behind. */
  kill(): void;
}

/**
 * Runs a compiled entry point with exactly `env` (plus PATH): nothing from the test runner's own
 * environment leaks in, so a test sees what a bare machine would.
 */
export function spawnNode(script: string, env: Record<string, string>, args: string[] = [], nodeArgs: readonly string[] = []): AppProcess {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return {
    child,
    output: () => output,
    exited(timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`process still running after ${timeoutMs} ms:\n${output}`)), timeoutMs);
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() >= until) throw new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async waitFor(url, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before ${url} answered:\n${output}`);
        const status = await fetch(url).then(
          (res) => res.status,
          () => 0, // not listening yet
        );
        if (status === 200) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${output}`);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The compiled app as `npm start` runs it: `node <production flags> dist/src/main.js` (src/node-flags.ts). */
export function spawnApp(env: Record<string, string>, nodeArgs: readonly string[] = PRODUCTION_NODE_FLAGS): AppProcess {
  return spawnNode(COMPILED_MAIN, env, [], nodeArgs);
}
