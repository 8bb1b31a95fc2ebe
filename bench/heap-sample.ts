/**
 * A diagnostic preload, not part of the service: sampling heap profiles of what outlives the young
 * generation. For each window in HEAP_SAMPLE_WINDOWS (seconds since the process started, e.g.
 * `20-40,150-170`) it samples allocations and keeps only objects that a scavenge did not free
 * (`includeObjectsCollectedByMinorGC: false`): what was promoted, or is still alive at the window's
 * end. It writes `<HEAP_SAMPLE_DIR>/heap-<from>-<to>.heapprofile` (open it in Chrome DevTools'
 * Memory tab) and `.txt` beside it: sampled bytes by allocation site with its two callers.
 * Stopping a profile runs a full GC. See docs/performance.md, "Garbage collection".
 *
 *   npm run bench -- --endpoints profile-hit --rounds 1 --duration 1 --steady-warmup 0 --memory 160 \
 *     --service-node-arg --require=./dist/bench/heap-sample.js \
 *     --service-env HEAP_SAMPLE_WINDOWS=25-45,150-170 --service-env HEAP_SAMPLE_DIR=/tmp
 */
import { Session, type Runtime } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

// What HeapProfiler.stopSampling returns (Node's bundled types predate `samples` and node ids).
interface SamplingHeapProfileNode {
  callFrame: Runtime.CallFrame;
  id: number;
  children: SamplingHeapProfileNode[];
}
interface SamplingHeapProfile {
  head: SamplingHeapProfileNode;
  samples: { size: number; nodeId: number }[];
}

/** Sampled bytes by allocation site (`function file:line < caller < caller`), largest first. */
export function bySite(profile: SamplingHeapProfile, top = 40): string {
  const bytesByNode = new Map<number, number>();
  for (const s of profile.samples) bytesByNode.set(s.nodeId, (bytesByNode.get(s.nodeId) ?? 0) + s.size);
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (node: SamplingHeapProfileNode, stack: string[]) => {
    const f = node.callFrame;
    const file = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'dist/');
    const frames = [...stack, `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`];
    const bytes = bytesByNode.get(node.id) ?? 0;
    if (bytes > 0) {
      const site = frames.slice(-3).reverse().join(' < ');
      sites.set(site, (sites.get(site) ?? 0) + bytes);
      total += bytes;
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(profile.head, []);
  const mb = (bytes: number) => (bytes / 1e6).toFixed(2).padStart(8);
  const rows = [...sites].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`${mb(total)} MB sampled in all`, ...rows.map(([site, bytes]) => `${mb(bytes)} ${site}`)].join('\n') + '\n';
}

const windows = process.env.HEAP_SAMPLE_WINDOWS;
if (windows) {
  const dir = process.env.HEAP_SAMPLE_DIR ?? '.';
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
  // One command at a time, in the order the windows ask for them.
  let queue: Promise<unknown> = post('HeapProfiler.enable');
  const then = (step: () => Promise<unknown>) => {
    queue = queue.then(step).catch((err: unknown) => process.stderr.write(`heap-sample: ${String(err)}\n`));
  };
  for (const window of windows.split(',')) {
    const [from, to] = window.split('-').map(Number);
    setTimeout(() => {
      then(() =>
        post('HeapProfiler.startSampling', {
          samplingInterval: 16_384,
          includeObjectsCollectedByMajorGC: true,
          includeObjectsCollectedByMinorGC: false,
        }),
      );
    }, from * 1000).unref();
    setTimeout(() => {
      then(async () => {
        const { profile } = await post<{ profile: SamplingHeapProfile }>('HeapProfiler.stopSampling');
        const base = join(dir, `heap-${from}-${to}`);
        writeFileSync(`${base}.heapprofile`, JSON.stringify(profile));
        writeFileSync(`${base}.txt`, bySite(profile));
      });
    }, to * 1000).unref();
  }
}
