import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Client as PgClient, QueryResultRow } from 'pg';
import { isUniqueViolation } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { LookupBatcher } from '../database/lookup-batcher';
import { isoTimestamp } from '../database/sql';

/** A profile row as the read paths return it: plain JSON-ready values, no entity, no identity map. */
export interface ProfileRecord {
  address: string;
  nickname: string | null;
  nicknameNormalized: string | null;
  avatarStyle: string | null;
  avatarSelection: string | null;
  avatarVariant: number | null;
  nicknameChangeCount: number;
  /** ISO-8601, UTC. */
  lastNicknameChange: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ProfileWrite {
  nickname: string;
  nicknameNormalized: string;
  avatarStyle: string | null;
  avatarSelection: string | null;
  avatarVariant: number | null;
  nicknameChangeCount: number;
  lastNicknameChange: Date | null;
}

/** The name claimed by another profile: the unique index said so inside the write. */
export class NicknameTakenError extends Error {
  constructor() {
    super('Nickname is already taken');
    this.name = 'NicknameTakenError';
  }
}


/** Every read selects the same columns, already shaped for JSON (timestamps as ISO strings). */
export const PROFILE_COLUMNS = [
  'address',
  'nickname',
  'nickname_normalized as "nicknameNormalized"',
  'avatar_style as "avatarStyle"',
  'avatar_selection as "avatarSelection"',
  'avatar_variant as "avatarVariant"',
  'nickname_change_count as "nicknameChangeCount"',
  `${isoTimestamp('last_nickname_change')} as "lastNicknameChange"`,
  `${isoTimestamp('created_at')} as "createdAt"`,
  `${isoTimestamp('updated_at')} as "updatedAt"`,
].join(', ');

export const SQL = {
  byAddress: `select ${PROFILE_COLUMNS} from profiles where address = ?`,
  byAddresses: `select ${PROFILE_COLUMNS} from profiles where address in (?)`,
  byNormalizedNickname: `select address, nickname from profiles where nickname_normalized = ?`,
  byNormalizedNicknames: `select address, nickname, nickname_normalized as "normalized" from profiles where nickname_normalized in (?)`,
  nicknameByAddress: `select address, nickname from profiles where address = ? and nickname is not null`,
  nicknamesByAddresses: `select address, nickname from profiles where address in (?) and nickname is not null`,
  takenAmong: `select nickname_normalized as n from profiles where nickname_normalized in (?)`,
  lockByAddress: `select ${PROFILE_COLUMNS} from profiles where address = ? for update`,
  insert:
    `insert into profiles (address, nickname, nickname_normalized, avatar_style, avatar_selection, avatar_variant,` +
    ` nickname_change_count, last_nickname_change, created_at, updated_at)` +
    ` values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (address) do nothing returning ${PROFILE_COLUMNS}`,
  update:
    `update profiles set nickname = ?, nickname_normalized = ?, avatar_style = ?, avatar_selection = ?,` +
    ` avatar_variant = ?, nickname_change_count = ?, last_nickname_change = ?, updated_at = ?` +
    ` where address = ? returning ${PROFILE_COLUMNS}`,
} as const;

const PLACEHOLDER_SPLITS = new Map<string, string[]>();

/** The statements' `?` placeholders in pg's `$n` form; a list binds as `in ($1, $2, …)`, one value each. */
export function toPgQuery(sql: string, params: unknown[]): { text: string; values: unknown[] } {
  let parts = PLACEHOLDER_SPLITS.get(sql);
  if (!parts) PLACEHOLDER_SPLITS.set(sql, (parts = sql.split('?')));
  const values: unknown[] = [];
  let text = parts[0];
  for (let i = 1; i < parts.length; i++) {
    const param = params[i - 1];
    text += (Array.isArray(param) ? param : [param]).map((value) => `$${values.push(value)}`).join(', ') + parts[i];
  }
  return { text, values };
}

/** An error PostgreSQL itself answered (it carries a 5-character SQLSTATE): the connection is fine. */
function isSqlStateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

const NICKNAME_UNIQUE = 'profiles_nickname_normalized_key';

type Query = <T>(sql: string, params: unknown[]) => Promise<T[]>;

type Lookup = { address: string; nickname: string };

/** Reads by one key, or by several in one query; a key with no row is left out. */
interface KeyedLookup<V> {
  load(key: string): Promise<V | undefined>;
  loadMany(keys: string[]): Promise<Map<string, V>>;
}

/** The most keys one coalesced query sends (concurrent batch requests of 100 addresses share queries too). */
const MAX_KEYS_PER_LOOKUP = 500;

/**
 * Every query of the `profiles` table, sent straight to a connection of the ORM's own pool (same
 * size, timeouts and error handling: a pool timeout is a KnexTimeoutError, a 503): parameterized,
 * plain rows back. No entity hydration, identity map, query building or value inlining on these
 * paths; writes run in a transaction on one connection.
 *
 * Single-key reads (a profile, a reverse or forward lookup, which names are taken) are coalesced
 * (LookupBatcher): the lookups of concurrent requests share one round trip, and a lone one is
 * sent as the one-row query. `DATABASE_BATCH_LOOKUPS=false` sends one query per lookup.
 */
@Injectable()
export class ProfileRepository {
  private readonly byAddress: KeyedLookup<ProfileRecord>;
  private readonly nicknameByAddress: KeyedLookup<Lookup>;
  private readonly byNormalizedNickname: KeyedLookup<Lookup>;
  private readonly taken: KeyedLookup<{ n: string }>;

  constructor(
    private readonly orm: MikroORM,
    config: AppConfig,
  ) {
    const keyed = <V>(one: string, many: string, keyOf: (row: V) => string): KeyedLookup<V> => {
      // Rows of the one-key statement all belong to that key (its columns need not include it).
      const fetch = async (keys: string[]) =>
        keys.length === 1
          ? new Map((await this.rows<V>(one, keys)).map((row) => [keys[0], row]))
          : new Map((await this.rows<V>(many, [keys])).map((row) => [keyOf(row), row]));
      if (!config.database.batchLookups) {
        return { load: async (key) => (await fetch([key])).get(key), loadMany: fetch };
      }
      const batcher = new LookupBatcher<V>(fetch, MAX_KEYS_PER_LOOKUP);
      const load = (key: string) => batcher.load(key);
      return {
        load,
        loadMany: async (keys) => {
          const values = await Promise.all(keys.map(load));
          return new Map(keys.flatMap((key, i) => (values[i] === undefined ? [] : [[key, values[i]!] as [string, V]])));
        },
      };
    };
    this.byAddress = keyed<ProfileRecord>(SQL.byAddress, SQL.byAddresses, (r) => r.address);
    this.nicknameByAddress = keyed<Lookup>(SQL.nicknameByAddress, SQL.nicknamesByAddresses, (r) => r.address);
    this.byNormalizedNickname = keyed<Lookup & { normalized?: string }>(
      SQL.byNormalizedNickname,
      SQL.byNormalizedNicknames,
      (r) => r.normalized!,
    );
    this.taken = keyed<{ n: string }>(SQL.takenAmong, SQL.takenAmong, (r) => r.n);
  }

  private async withConnection<T>(work: (query: Query, broken: () => boolean) => Promise<T>): Promise<T> {
    const client = this.orm.em.getKnex().client;
    const connection: PgClient = await client.acquireConnection();
    let broken = false;
    const query: Query = async <R>(sql: string, params: unknown[]) => {
      const { text, values } = toPgQuery(sql, params);
      // Straight to the driver (knex's query runner cost as much as the ORM's); knex's `query` event
      // still reports every statement, for tooling and for the suites that count queries.
      client.emit('query', { sql: text, bindings: values });
      try {
        return (await connection.query<R & QueryResultRow>(text, values)).rows;
      } catch (err) {
        // No SQLSTATE: the client gave up (query_timeout) or the socket failed. The server may still
        // be running the statement inside our transaction, so this connection must never be reused.
        if (!isSqlStateError(err)) broken = true;
        throw err;
      }
    };
    try {
      return await work(query, () => broken);
    } finally {
      // Ending it makes the server roll back and drop its locks; knex then discards it on release.
      if (broken) await connection.end().catch(() => undefined);
      client.releaseConnection(connection);
    }
  }

  private rows<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.withConnection((query) => query<T>(sql, params));
  }

  async findByAddress(address: string): Promise<ProfileRecord | null> {
    return (await this.byAddress.load(address)) ?? null;
  }

  /** One query for the whole batch; rows come back in no particular order. */
  /** The profiles of these addresses, in no particular order (one query, shared with concurrent reads). */
  async findByAddresses(addresses: string[]): Promise<ProfileRecord[]> {
    if (addresses.length === 0) return [];
    return [...(await this.byAddress.loadMany(addresses)).values()];
  }

  async findNicknameByAddress(address: string): Promise<Lookup | null> {
    return (await this.nicknameByAddress.load(address)) ?? null;
  }

  async findByNormalizedNickname(normalized: string): Promise<Lookup | null> {
    const row = await this.byNormalizedNickname.load(normalized);
    return row ? { address: row.address, nickname: row.nickname } : null;
  }

  /** Which of these normalized names are already claimed (one query, shared with concurrent checks). */
  async takenAmong(normalized: string[]): Promise<Set<string>> {
    if (normalized.length === 0) return new Set();
    return new Set((await this.taken.loadMany(normalized)).keys());
  }

  /**
   * Runs `work` in a transaction. The work receives a handle whose reads lock the row, so the
   * decision it makes (limits, cooldown, what counts as a change) cannot race another write.
   */
  async transaction<T>(work: (tx: ProfileTransaction) => Promise<T>): Promise<T> {
    return this.withConnection(async (query, broken) => {
      await query('begin', []);
      try {
        const result = await work(new ProfileTransaction(query));
        await query('commit', []);
        return result;
      } catch (err) {
        // A broken connection is closed by withConnection instead, which makes the server roll back;
        // a rollback sent on it would only wait out another query timeout.
        if (!broken()) await query('rollback', []).catch(() => undefined);
        throw err;
      }
    });
  }
}

export class ProfileTransaction {
  constructor(private readonly query: Query) {}

  async findForUpdate(address: string): Promise<ProfileRecord | null> {
    const [row] = await this.query<ProfileRecord>(SQL.lockByAddress, [address]);
    return row ?? null;
  }

  /** Inserts a new profile; null when another request created this address first. */
  async insert(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord | null> {
    const params = [
      address, values.nickname, values.nicknameNormalized, values.avatarStyle, values.avatarSelection,
      values.avatarVariant, values.nicknameChangeCount, isoOrNull(values.lastNicknameChange), now.toISOString(),
      now.toISOString(),
    ];
    const [row] = await this.guard(() => this.query<ProfileRecord>(SQL.insert, params));
    return row ?? null;
  }

  async update(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord> {
    const params = [
      values.nickname, values.nicknameNormalized, values.avatarStyle, values.avatarSelection, values.avatarVariant,
      values.nicknameChangeCount, isoOrNull(values.lastNicknameChange), now.toISOString(), address,
    ];
    const [row] = await this.guard(() => this.query<ProfileRecord>(SQL.update, params));
    return row;
  }

  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err, NICKNAME_UNIQUE)) throw new NicknameTakenError();
      throw err;
    }
  }
}
