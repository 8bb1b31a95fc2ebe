/**
 * A diagnostic preload, not part of the service: once a second, appends to the file named by GC_LOG
 * the heap and RSS, the event-loop delay (p50, p99, max) and each kind of GC in that second (count,
 * mean and longest pause, how many took over 2 ms). See docs/performance.md, "Tail latency".
 *
 *   npm run bench -- --endpoints profile-hit --connections 10 --memory 0 \
 *     --service-node-arg --require=./dist/bench/gc-log.js --service-env GC_LOG=/tmp/gc.log
 */
import { appendFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';

const file = process.env.GC_LOG;
if (file) {
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak-callbacks',
  };
  let second = new Map<string, { n: number; totalMs: number; maxMs: number; over2ms: number }>();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
      const kind = kinds[detail?.kind ?? -1] ?? 'other';
      const s = second.get(kind) ?? { n: 0, totalMs: 0, maxMs: 0, over2ms: 0 };
      s.n += 1;
      s.totalMs += entry.duration;
      s.maxMs = Math.max(s.maxMs, entry.duration);
      if (entry.duration > 2) s.over2ms += 1;
      second.set(kind, s);
    }
  }).observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const ms = (ns: number) => (ns / 1e6).toFixed(1);
  setInterval(() => {
    const { heapUsed, rss } = process.memoryUsage();
    const gcs = [...second].map(
      ([kind, s]) => `${kind} n=${s.n} mean=${(s.totalMs / s.n).toFixed(2)}ms max=${s.maxMs.toFixed(1)}ms >2ms=${s.over2ms}`,
    );
    appendFileSync(
      file,
      `${new Date().toISOString()} heap=${Math.round(heapUsed / 1e6)}MB rss=${Math.round(rss / 1e6)}MB ` +
        `loop-delay p50=${ms(delay.percentile(50))} p99=${ms(delay.percentile(99))} max=${ms(delay.max)}ms | ${gcs.join(' | ')}\n`,
    );
    second = new Map();
    delay.reset();
  }, 1000).unref();
}
