/**
 * The V8 flags production runs the API with: `npm start` and `npm run start:prod` pass them (a unit
 * test keeps package.json in step with this list), the bench starts the service with them, and
 * main.ts warns at boot in production when one is missing. NODE_OPTIONS does not accept
 * `--min-semi-space-size`, hence the command line.
 *
 * Both are about young-generation garbage collection under load (docs/performance.md, "Garbage
 * collection", cause 3). Without them, in some processes V8's allocation-site pretenuring concludes
 * from the first scavenges under load that some sites make long-lived objects, and from then on
 * allocates theirs straight in the old generation. With such a site on the request path, dead old
 * objects keep what they point to alive through every scavenge until the next full GC: with the other
 * two causes fixed, one of two processes without the flags scavenged in 9–12 ms for its whole run,
 * against 1.1–1.6 ms with them.
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
