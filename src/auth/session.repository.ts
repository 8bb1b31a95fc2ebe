import { EntityRepository, SqlEntityManager } from '@mikro-orm/postgresql';
import { isoTimestamp } from '../database/sql';
import { PURGE_BATCH } from './nonce.repository';
import type { AuthSession } from './session.entity';

export interface SessionRecord {
  id: string;
  address: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
}


export const SQL = {
  insert: `insert into auth_sessions (id, address, created_at, expires_at) values (?, ?, ?, ?)`,
  findActive:
    `select id, address, ${isoTimestamp('expires_at')} as "expiresAt" from auth_sessions` +
    ` where id = ? and revoked_at is null and expires_at > ?`,
  revoke: `update auth_sessions set revoked_at = ? where id = ? and revoked_at is null`,
  purgeExpired:
    `delete from auth_sessions where id in` +
    ` (select id from auth_sessions where expires_at < ? order by expires_at limit ${PURGE_BATCH})`,
} as const;

/** Every query of `auth_sessions`. Times come from the app's clock, never from the database's now(). */
export class SessionRepository extends EntityRepository<AuthSession> {
  private get sqlEm(): SqlEntityManager {
    return this.getEntityManager() as SqlEntityManager;
  }

  async open(session: { id: string; address: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await this.sqlEm.execute(
      SQL.insert,
      [session.id, session.address, session.createdAt.toISOString(), session.expiresAt.toISOString()],
      'run',
    );
  }

  /** The session if it exists, is not revoked and has not expired at `now`. */
  async findActive(id: string, now: Date): Promise<SessionRecord | null> {
    const [row] = await this.sqlEm.execute<SessionRecord[]>(SQL.findActive, [id, now.toISOString()], 'all');
    return row ?? null;
  }

  async revoke(id: string, now: Date): Promise<void> {
    await this.sqlEm.execute(SQL.revoke, [now.toISOString(), id], 'run');
  }

  async purgeExpiredBefore(cutoff: Date): Promise<void> {
    await this.sqlEm.execute(SQL.purgeExpired, [cutoff.toISOString()], 'run');
  }
}
