/**
 * The V8 flags production runs the API with: `npm start` and `npm run start:prod` pass them (a unit
 * test keeps package.json in step with this list), the bench starts the service with them, and
 * main.ts warns at boot in production when one is missing. NODE_OPTIONS does not accept
 * `--min-semi-space-size`, hence the command line.
 *
 * Both are about young-generation garbage collection under load (docs/performance.md, "Garbage
 * collection"). Without them, in most processes V8's allocation-site pretenuring concluded from the
 * first scavenges under load (a few hundred objects, every one still alive) that some sites make
 * long-lived objects, and from then on allocated theirs straight in the old generation. With such a
 * site on the request path, every scavenge copied and then promoted about a quarter of what requests
 * allocate (dead old objects keep what they point to alive until the next full GC): scavenges of
 * 4–12 ms instead of under 1 ms, and that was the p99.
 */
export const PRODUCTION_NODE_FLAGS = [
  // No pretenuring from allocation-site feedback: objects reach the old generation only by
  // surviving two scavenges.
  '--no-allocation-site-pretenuring',
  // The nursery starts at V8's usual maximum (16 MB per semi-space on 64-bit) instead of growing
  // from 1 MB under load; with the flag above alone, the old generation climbed by ~2.5 MB/s
  // between full GCs, with both it stays flat.
  '--min-semi-space-size=16',
] as const;

/** The production flags this process was started without (empty when all are there). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return PRODUCTION_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
