import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { KeyedLookup, keyedLookup } from '../database/keyed-lookup';
import { PooledSql } from '../database/pooled-sql';
import { isoTimestamp } from '../database/sql';
import { PURGE_BATCH } from './nonce.repository';

export interface SessionRecord {
  id: string;
  address: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
}

const SESSION_COLUMNS = `id, address, ${isoTimestamp('expires_at')} as "expiresAt"`;

export const SQL = {
  insert: `insert into auth_sessions (id, address, created_at, expires_at) values (?, ?, ?, ?)`,
  // Unrevoked sessions by id; whether one has expired is decided against the app's clock (isLive).
  findUnrevoked: `select ${SESSION_COLUMNS} from auth_sessions where id = ? and revoked_at is null`,
  findUnrevokedMany: `select ${SESSION_COLUMNS} from auth_sessions where id in (?) and revoked_at is null`,
  revoke: `update auth_sessions set revoked_at = ? where id = ? and revoked_at is null`,
  purgeExpired:
    `delete from auth_sessions where id in` +
    ` (select id from auth_sessions where expires_at < ? order by expires_at limit ${PURGE_BATCH})`,
} as const;

/** A session row is live at `now` until its expiry (exclusive). */
export const isLive = (row: SessionRecord, now: Date): boolean => Date.parse(row.expiresAt) > now.getTime();

/**
 * Every query of `auth_sessions`, through PooledSql. Times come from the app's clock, never from the
 * database's now(). The lookup behind every authenticated request is coalesced like profile reads.
 */
@Injectable()
export class SessionRepository {
  private readonly unrevoked: KeyedLookup<SessionRecord>;

  constructor(
    private readonly sql: PooledSql,
    config: AppConfig,
  ) {
    this.unrevoked = keyedLookup<SessionRecord>(sql.rows.bind(sql), {
      one: SQL.findUnrevoked,
      many: SQL.findUnrevokedMany,
      keyOf: (row) => row.id,
      batch: config.database.batchLookups,
    });
  }

  async open(session: { id: string; address: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.sql.rows(SQL.insert, [session.id, session.address, session.createdAt.toISOString(), session.expiresAt.toISOString()]);
  }

  /** The session if it exists, is not revoked and has not expired at `now`. */
  async findActive(id: string, now: Date): Promise<SessionRecord | null> {
    const row = await this.unrevoked.load(id);
    return row && isLive(row, now) ? row : null;
  }

  async revoke(id: string, now: Date): Promise<void> {
    await this.sql.rows(SQL.revoke, [now.toISOString(), id]);
  }

  async purgeExpiredBefore(cutoff: Date): Promise<void> {
    await this.sql.rows(SQL.purgeExpired, [cutoff.toISOString()]);
  }
}
