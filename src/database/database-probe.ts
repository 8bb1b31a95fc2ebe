import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { AppConfig } from '../config/app-config';
import { pgConnectionOptions } from './connection-options';
import { withTimeout } from './timeout';

export class ProbeTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout of ${timeoutMs}ms exceeded`);
    this.name = 'ProbeTimeoutError';
  }
}

/**
 * Readiness's line to the database: one connection of its own, beside the ORM's pool, so requests
 * holding every pooled connection (slow writes, a row held elsewhere) show as those requests' 503s,
 * not as every instance leaving rotation at once. The embedded database serves one connection at a
 * time, so there the probe queues for the ORM's pool like a request.
 */
@Injectable()
export class DatabaseProbe implements OnApplicationShutdown {
  /** Bound on one probe, connect included: under App Platform's 5 s health-check timeout. */
  readonly timeoutMs: number;
  private readonly pool: Pool | null;

  constructor(
    private readonly orm: MikroORM,
    config: AppConfig,
  ) {
    const db = config.database;
    this.timeoutMs = Math.min(db.connectTimeoutMs, 3000);
    this.pool = db.embedded
      ? null
      : new Pool({
          ...pgConnectionOptions(db, db.url!),
          connectionTimeoutMillis: this.timeoutMs,
          query_timeout: this.timeoutMs,
          application_name: 'villa-profile-api readiness',
          max: 1,
          // Kept open between probes; pg-pool drops a connection whose query failed, so the next probe reconnects.
          idleTimeoutMillis: 0,
        });
    // An idle connection that dies (database restarted, network cut) is dropped by the pool; not a crash.
    this.pool?.on('error', () => undefined);
  }

  /** Resolves when the database answers `select 1` within `timeoutMs`. */
  async ping(): Promise<void> {
    const answer = this.pool
      ? this.pool.query('select 1').then(() => undefined)
      : this.orm.em
          .getConnection()
          .checkConnection()
          .then((check) => {
            if (!check.ok) throw check.error;
          });
    await withTimeout(answer, this.timeoutMs, () => new ProbeTimeoutError(this.timeoutMs));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }
}
