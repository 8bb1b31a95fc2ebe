import { Injectable } from '@nestjs/common';
import { PooledSql } from '../database/pooled-sql';

export interface NonceRecord {
  expiresAt: Date;
  usedAt: Date | null;
  /** Signature checks spent on it (see startAttempt). */
  attempts: number;
}

/** How many stale rows one purge removes: bounded, so issuing a nonce stays one cheap statement more. */
export const PURGE_BATCH = 100;

export const SQL = {
  insert: `insert into auth_nonces (nonce, expires_at, created_at) values (?, ?, ?)`,
  find: `select expires_at as "expiresAt", used_at as "usedAt", attempts from auth_nonces where nonce = ?`,
  // One statement decides, across instances: concurrent checks cannot overshoot the limit.
  startAttempt:
    `update auth_nonces set attempts = attempts + 1` +
    ` where nonce = ? and used_at is null and expires_at > ? and attempts < ? returning attempts`,
  refundAttempt: `update auth_nonces set attempts = attempts - 1 where nonce = ? and attempts > 0`,
  // The single-use guarantee: only one update can see used_at still null, whatever runs concurrently.
  burn:
    `update auth_nonces set used_at = ? where nonce = ? and used_at is null and expires_at > ?` +
    ` returning nonce`,
  purgeExpired:
    `delete from auth_nonces where nonce in` +
    ` (select nonce from auth_nonces where expires_at < ? order by expires_at limit ${PURGE_BATCH})`,
} as const;

/** Every query of `auth_nonces`. Times come from the app's clock, never from the database's now(). */
@Injectable()
export class NonceRepository {
  constructor(private readonly sql: PooledSql) {}

  async issue(nonce: string, now: Date, expiresAt: Date): Promise<void> {
    await this.sql.rows(SQL.insert, [nonce, expiresAt.toISOString(), now.toISOString()]);
  }

  async findByNonce(nonce: string): Promise<NonceRecord | null> {
    const [row] = await this.sql.rows<{ expiresAt: string | Date; usedAt: string | Date | null; attempts: number }>(SQL.find, [nonce]);
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
    const rows = await this.sql.rows<{ attempts: number }>(SQL.startAttempt, [nonce, now.toISOString(), limit]);
    return rows.length === 1;
  }

  /** Gives back a check that reached no verdict (the chain RPC failed): the server's fault, not the caller's. */
  async refundAttempt(nonce: string): Promise<void> {
    await this.sql.rows(SQL.refundAttempt, [nonce]);
  }

  /** Marks the nonce used if it is unused and unexpired at `now`; false when another use got there first. */
  async burn(nonce: string, now: Date): Promise<boolean> {
    const iso = now.toISOString();
    const rows = await this.sql.rows<{ nonce: string }>(SQL.burn, [iso, nonce, iso]);
    return rows.length === 1;
  }

  async purgeExpiredBefore(cutoff: Date): Promise<void> {
    await this.sql.rows(SQL.purgeExpired, [cutoff.toISOString()]);
  }
}
