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
    logger.log(`${signal} received: finishing in-flight requests`);
    // Stop accepting and drain in-flight requests first, then close the pool, then the embedded db.
    await app.getHttpAdapter().close();
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
