import { EntityManager, EntityRepository } from '@mikro-orm/postgresql';
import type { ExpressionBuilder } from 'kysely';
import { KeyedLookup, keyedLookup } from '../database/keyed-lookup';
import { Database, Db, isoTimestamp, kyselyOf, PreparedQuery, run } from '../database/query';
import { PURGE_BATCH } from './nonce.repository';
import { AuthSession } from './session.entity';

export interface SessionRecord {
  id: string;
  address: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
}

const sessionColumns = (eb: ExpressionBuilder<Database, 'AuthSession'>) =>
  ['id', 'address', isoTimestamp(eb.ref('expires_at')).as('expiresAt')] as const;

/**
 * Unrevoked sessions by id; whether one has expired is decided against the app's clock (isLive).
 * Exported for the bench's bare baseline, which sends the same SQL text.
 */
export const READS = {
  findUnrevoked: (db: Db, id: string) =>
    db.selectFrom('AuthSession').select(sessionColumns).where('id', '=', id).where('revoked_at', 'is', null),
  findUnrevokedMany: (db: Db, ids: string[]) =>
    db
      .selectFrom('AuthSession')
      .select(sessionColumns)
      .where((eb) => eb('id', '=', eb.fn.any(eb.val(ids))))
      .where('revoked_at', 'is', null),
};

/** A session row is live at `now` until its expiry (exclusive). */
export const isLive = (row: SessionRecord, now: Date): boolean => Date.parse(row.expiresAt) > now.getTime();

export interface SessionRepositoryOptions {
  /** Coalesce concurrent lookups (DATABASE_BATCH_LOOKUPS). */
  batchLookups: boolean;
}

/**
 * Every query of `auth_sessions`, through MikroORM's Kysely. Times come from the app's clock, never
 * from the database's now(). The lookup behind every authenticated request is compiled once and
 * coalesced like profile reads.
 */
export class SessionRepository extends EntityRepository<AuthSession> {
  private readonly db: Db;
  private readonly unrevoked: KeyedLookup<SessionRecord>;

  constructor(em: EntityManager, options: SessionRepositoryOptions = { batchLookups: true }) {
    super(em, AuthSession);
    this.db = kyselyOf(em);
    this.unrevoked = keyedLookup<SessionRecord, PreparedQuery<SessionRecord>>((query, params) => query.run(params), {
      one: new PreparedQuery(em, (db, param) => READS.findUnrevoked(db, param(0))),
      many: new PreparedQuery(em, (db, param) => READS.findUnrevokedMany(db, param(0))),
      keyOf: (row) => row.id,
      batch: options.batchLookups,
    });
  }

  async open(session: { id: string; address: string; createdAt: Date; expiresAt: Date }): Promise<void> {
    await run(
      this.em,
      this.db
        .insertInto('AuthSession')
        .values({ id: session.id, address: session.address, created_at: session.createdAt, expires_at: session.expiresAt }),
    );
  }

  /** The session if it exists, is not revoked and has not expired at `now`. */
  async findActive(id: string, now: Date): Promise<SessionRecord | null> {
    const row = await this.unrevoked.load(id);
    return row && isLive(row, now) ? row : null;
  }

  async revoke(id: string, now: Date): Promise<void> {
    await run(this.em, this.db.updateTable('AuthSession').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null));
  }

  async purgeExpiredBefore(cutoff: Date): Promise<void> {
    await run(
      this.em,
      this.db
        .deleteFrom('AuthSession')
        .where('id', 'in', (eb) =>
          eb.selectFrom('AuthSession').select('id').where('expires_at', '<', cutoff).orderBy('expires_at').limit(PURGE_BATCH),
        ),
    );
  }
}
