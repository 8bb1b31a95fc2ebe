import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket' with { 'resolution-mode': 'import' };

/**
 * A real PostgreSQL (PGlite, compiled to WASM) served in-process on a loopback socket, so the app
 * talks to it through the same `@mikro-orm/postgresql` driver as production. PGlite serves one
 * connection at a time: callers must use a pool of 1 against it.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly dataDir: string | null,
  ) {}

  /** `dataDir` null keeps everything in memory; otherwise data survives restarts. */
  static async start(dataDir: string | null, port = 0): Promise<EmbeddedDatabase> {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const dir = dataDir ? resolve(dataDir) : null;
    if (dir) mkdirSync(dir, { recursive: true });
    const db = await PGlite.create(dir ?? undefined);
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 1 });
    await server.start();
    const address = server.getServerConn(); // "127.0.0.1:PORT"
    return new EmbeddedDatabase(db, server, `postgresql://postgres@${address}/postgres`, dir);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
