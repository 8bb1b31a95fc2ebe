import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { EmbeddedDatabase } from './database/embedded-database';
import { missingNodeFlags } from './node-flags';

/** Boot: validate config (fail closed), pick the database, listen, and shut down cleanly on SIGTERM. */
async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) process.stderr.write(`config error: ${problem}\n`);
    process.exit(1);
  }

  let embedded: EmbeddedDatabase | null = null;
  if (!config.database.url) {
    embedded = await EmbeddedDatabase.start(config.database.embeddedDataDir);
    config.database = { ...config.database, url: embedded.url, embedded: true, poolMax: 1 };
    process.stdout.write(
      `Using the embedded PostgreSQL (PGlite) with data in ${embedded.dataDir}; migrations run at boot.\n` +
        `Set DATABASE_URL=postgresql://user:password@host:5432/dbname to use a real PostgreSQL server.\n`,
    );
  }

  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  const server = app.getHttpServer() as Server;
  await app.listen({ port: config.port, host: config.host });
  const { port } = server.address() as AddressInfo; // the real port when PORT=0
  logger.log(`Listening on http://${config.host}:${port} (NODE_ENV=${config.nodeEnv})`);
  const missing = missingNodeFlags();
  if (config.nodeEnv === 'production' && missing.length > 0) {
    logger.warn(
      `started without the node flags ${missing.join(' ')}: p99 latency under load can be several times worse ` +
        `(run it with \`npm run start:prod\`; see docs/performance.md)`,
    );
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = config.http.shutdownGraceMs;
    logger.log(`${signal} received: finishing in-flight requests (at most ${graceMs} ms)`);
    // Stop accepting and drain in-flight requests; what is still open after the grace is cut, or one
    // slow client would hold the deploy until the platform's SIGKILL takes every other request too.
    const grace = setTimeout(() => {
      logger.warn(`shutdown grace of ${graceMs} ms is over: closing the connections still open`);
      server.closeAllConnections();
    }, graceMs);
    await app.getHttpAdapter().close();
    clearTimeout(grace);
    // Then the pool (it waits for queries still running, each bounded by DATABASE_QUERY_TIMEOUT_MS),
    // then the embedded database.
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`fatal: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
