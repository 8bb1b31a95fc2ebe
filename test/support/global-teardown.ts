/** Stops the embedded PGlite pool, when one was started. Suites drop their own databases. */
export default async function globalTeardown(): Promise<void> {
  globalThis.__VILLA_EMBEDDED_POOL__?.kill('SIGTERM');
}
