import { EntityManager, EntityRepository } from '@mikro-orm/postgresql';
import { Db, isoTimestamp, kyselyOf, run } from '../database/query';
import { AuthNonce } from './nonce.entity';

export interface NonceRecord {
  expiresAt: Date;
  usedAt: Date | null;
  /** Signature checks spent on it (see startAttempt). */
  attempts: number;
}

/** How many stale rows one purge removes: bounded, so issuing a nonce stays one cheap statement more. */
export const PURGE_BATCH = 100;

/** Every query of `auth_nonces`, through MikroORM's Kysely. Times come from the app's clock, never from the database's now(). */
export class NonceRepository extends EntityRepository<AuthNonce> {
  private readonly db: Db;

  constructor(em: EntityManager) {
    super(em, AuthNonce);
    this.db = kyselyOf(em);
  }

  async issue(nonce: string, now: Date, expiresAt: Date): Promise<void> {
    await run(this.em, this.db.insertInto('AuthNonce').values({ nonce, expires_at: expiresAt, created_at: now, attempts: 0 }));
  }

  async findByNonce(nonce: string): Promise<NonceRecord | null> {
    const [row] = await run(
      this.em,
      this.db
        .selectFrom('AuthNonce')
        .select((eb) => [isoTimestamp(eb.ref('expires_at')).as('expiresAt'), isoTimestamp(eb.ref('used_at')).as('usedAt'), 'attempts'])
        .where('nonce', '=', nonce),
    );
    if (!row) return null;
    return {
      expiresAt: new Date(row.expiresAt),
      usedAt: row.usedAt === null ? null : new Date(row.usedAt),
      attempts: Number(row.attempts),
    };
  }

  /**
   * Spends one signature check on the nonce if it is unused, unexpired at `now` and has fewer than
   * `limit` spent; false otherwise (findByNonce tells why). A check that ends in a verdict keeps it spent.
   */
  async startAttempt(nonce: string, now: Date, limit: number): Promise<boolean> {
    // One statement decides, across instances: concurrent checks cannot overshoot the limit.
    const rows = await run(
      this.em,
      this.db
        .updateTable('AuthNonce')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('nonce', '=', nonce)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .where('attempts', '<', limit)
        .returning('attempts'),
    );
    return rows.length === 1;
  }

  /** Gives back a check that reached no verdict (the chain RPC failed): the server's fault, not the caller's. */
  async refundAttempt(nonce: string): Promise<void> {
    await run(
      this.em,
      this.db
        .updateTable('AuthNonce')
        .set((eb) => ({ attempts: eb('attempts', '-', 1) }))
        .where('nonce', '=', nonce)
        .where('attempts', '>', 0),
    );
  }

  /** Marks the nonce used if it is unused and unexpired at `now`; false when another use got there first. */
  async burn(nonce: string, now: Date): Promise<boolean> {
    // The single-use guarantee: only one update can see used_at still null, whatever runs concurrently.
    const rows = await run(
      this.em,
      this.db
        .updateTable('AuthNonce')
        .set({ used_at: now })
        .where('nonce', '=', nonce)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning('nonce'),
    );
    return rows.length === 1;
  }

  async purgeExpiredBefore(cutoff: Date): Promise<void> {
    await run(
      this.em,
      this.db
        .deleteFrom('AuthNonce')
        .where('nonce', 'in', (eb) =>
          eb.selectFrom('AuthNonce').select('nonce').where('expires_at', '<', cutoff).orderBy('expires_at').limit(PURGE_BATCH),
        ),
    );
  }
}
