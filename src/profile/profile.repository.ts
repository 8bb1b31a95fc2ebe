import { Injectable } from '@nestjs/common';
import { isUniqueViolation } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { KeyedLookup, keyedLookup } from '../database/keyed-lookup';
import { PooledSql, Query } from '../database/pooled-sql';
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
const PROFILE_COLUMNS = [
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

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

const NICKNAME_UNIQUE = 'profiles_nickname_normalized_key';

type Lookup = { address: string; nickname: string };

/**
 * Every query of the `profiles` table, through PooledSql: parameterized, plain rows back; writes
 * run in a transaction on one connection.
 *
 * Single-key reads (a profile, a reverse or forward lookup, which names are taken, the addresses of a
 * batch) are coalesced (keyedLookup, over DataLoader): the lookups of concurrent requests share one
 * round trip, and a lone one is sent as the one-row query. `DATABASE_BATCH_LOOKUPS=false` sends one
 * query per lookup.
 */
@Injectable()
export class ProfileRepository {
  private readonly byAddress: KeyedLookup<ProfileRecord>;
  private readonly nicknameByAddress: KeyedLookup<Lookup>;
  private readonly byNormalizedNickname: KeyedLookup<Lookup & { normalized?: string }>;
  private readonly taken: KeyedLookup<{ n: string }>;

  constructor(
    private readonly sql: PooledSql,
    config: AppConfig,
  ) {
    const rows = sql.rows.bind(sql);
    const options = { batch: config.database.batchLookups };
    this.byAddress = keyedLookup<ProfileRecord>(rows, { ...options, one: SQL.byAddress, many: SQL.byAddresses, keyOf: (r) => r.address });
    this.nicknameByAddress = keyedLookup<Lookup>(rows, {
      ...options,
      one: SQL.nicknameByAddress,
      many: SQL.nicknamesByAddresses,
      keyOf: (r) => r.address,
    });
    this.byNormalizedNickname = keyedLookup<Lookup & { normalized?: string }>(rows, {
      ...options,
      one: SQL.byNormalizedNickname,
      many: SQL.byNormalizedNicknames,
      keyOf: (r) => r.normalized!,
    });
    this.taken = keyedLookup<{ n: string }>(rows, { ...options, one: SQL.takenAmong, many: SQL.takenAmong, keyOf: (r) => r.n });
  }

  async findByAddress(address: string): Promise<ProfileRecord | null> {
    return (await this.byAddress.load(address)) ?? null;
  }

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
  transaction<T>(work: (tx: ProfileTransaction) => Promise<T>): Promise<T> {
    return this.sql.transaction((query) => work(new ProfileTransaction(query)));
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
