import { createHash } from 'node:crypto';
import type { Seeded, Writer } from './bench-database';

export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Scenario {
  name: string;
  kind: 'read' | 'write';
  /** Every other status counts as a failure of the run. */
  expect: number[];
  /** The n-th request of a run: the same sequence for the service and the baseline. */
  request(n: number): BenchRequest;
  /**
   * What the pre-flight parity check compares; the check's suggestions are seeded by the clock,
   * which two processes do not share (the parity e2e test covers them with one clock).
   */
  comparable?: (body: unknown) => unknown;
}

/** Distinct client IPs behind the load balancer, so per-IP rate-limit buckets stay realistic. */
const SIMULATED_CLIENTS = 1000;
const BATCH_SIZE = 50;
const MISSES_PER_BATCH = 5;

const clientHeader = (n: number) => {
  const c = n % SIMULATED_CLIENTS;
  return `10.${(c >> 16) & 255}.${(c >> 8) & 255}.${c & 255}`;
};

const missAddress = (n: number) => `0x${createHash('sha1').update(`villa-bench-miss-${n}`).digest('hex')}`;

function get(path: string, n: number): BenchRequest {
  return { method: 'GET', path, headers: { 'do-connecting-ip': clientHeader(n) } };
}

/** The endpoints the bench drives; `sessionHeaders` carries each writer's session, minted before any clock starts. */
export function buildScenarios(seeded: Seeded, sessionHeaders: (writer: Writer) => Record<string, string>): Scenario[] {
  const named = seeded.named;
  const pick = (n: number) => named[n % named.length];
  const misses = Array.from({ length: 1000 }, (_, i) => missAddress(i));
  const batches = Array.from({ length: 100 }, (_, b) =>
    Array.from({ length: BATCH_SIZE }, (_, i) =>
      i % (BATCH_SIZE / MISSES_PER_BATCH) === 0 ? misses[(b * BATCH_SIZE + i) % misses.length] : pick(b * BATCH_SIZE + i).address,
    ).join(','),
  );
  const writers = seeded.writers.map((w) => ({
    writer: w,
    headers: { 'content-type': 'application/json', ...sessionHeaders(w) },
  }));
  let written = 0;

  return [
    { name: 'profile-hit', kind: 'read', expect: [200], request: (n) => get(`/api/profile/${pick(n).address}`, n) },
    {
      name: 'profile-miss',
      kind: 'read',
      expect: [404],
      request: (n) => get(`/api/profile/${misses[n % misses.length]}`, n),
    },
    {
      name: 'check-taken',
      kind: 'read',
      expect: [200],
      request: (n) => get(`/api/nicknames/check/${pick(n).nickname}`, n),
      comparable: (body) => ({ ...(body as object), suggestions: undefined, suggestion: undefined }),
    },
    { name: 'check-free', kind: 'read', expect: [200], request: (n) => get(`/api/nicknames/check/Newcomer${n}x`, n) },
    { name: 'reverse', kind: 'read', expect: [200], request: (n) => get(`/api/nicknames/reverse/${pick(n).address}`, n) },
    { name: 'resolve', kind: 'read', expect: [200], request: (n) => get(`/api/nicknames/resolve/${pick(n).nickname}`, n) },
    {
      name: 'batch-50',
      kind: 'read',
      expect: [200],
      request: (n) => get(`/api/profiles?addresses=${batches[n % batches.length]}`, n),
    },
    {
      // Avatar updates of existing profiles, cycling through the writers so no two requests in
      // flight lock the same row; the nickname is the current one, so no change is counted.
      name: 'write',
      kind: 'write',
      expect: [201],
      request: (n) => {
        const { writer, headers } = writers[n % writers.length];
        const variant = written++;
        return {
          method: 'POST',
          path: '/api/profile',
          headers: { ...headers, 'do-connecting-ip': clientHeader(n) },
          body: JSON.stringify({
            address: writer.address,
            nickname: writer.nickname,
            avatar: { style: variant % 2 ? 'bottts' : 'avataaars', selection: 'other', variant },
          }),
        };
      },
    },
  ];
}
