import { EntityRepository, SqlEntityManager } from '@mikro-orm/postgresql';
import { isUniqueViolation } from '../common/errors';
import type { Profile } from './profile.entity';

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

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Every read selects the same columns, already shaped for JSON (timestamps as ISO strings). */
export const PROFILE_COLUMNS = [
  'address',
  'nickname',
  'nickname_normalized as "nicknameNormalized"',
  'avatar_style as "avatarStyle"',
  'avatar_selection as "avatarSelection"',
  'avatar_variant as "avatarVariant"',
  'nickname_change_count as "nicknameChangeCount"',
  `${iso('last_nickname_change')} as "lastNicknameChange"`,
  `${iso('created_at')} as "createdAt"`,
  `${iso('updated_at')} as "updatedAt"`,
].join(', ');

export const SQL = {
  byAddress: `select ${PROFILE_COLUMNS} from profiles where address = ?`,
  byAddresses: `select ${PROFILE_COLUMNS} from profiles where address in (?)`,
  byNormalizedNickname: `select address, nickname from profiles where nickname_normalized = ?`,
  nicknameByAddress: `select address, nickname from profiles where address = ? and nickname is not null`,
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

/**
 * Every query of the `profiles` table. Reads go straight to the connection and return plain rows
 * (the hot paths skip hydration and the identity map); writes run inside the caller's transaction.
 */
export class ProfileRepository extends EntityRepository<Profile> {
  private get sqlEm(): SqlEntityManager {
    return this.getEntityManager() as SqlEntityManager;
  }

  private async rows<T>(sql: string, params: unknown[], em: SqlEntityManager = this.sqlEm): Promise<T[]> {
    return em.execute<T[]>(sql, params, 'all');
  }

  async findByAddress(address: string): Promise<ProfileRecord | null> {
    const [row] = await this.rows<ProfileRecord>(SQL.byAddress, [address]);
    return row ?? null;
  }

  /** One query for the whole batch; rows come back in no particular order. */
  async findByAddresses(addresses: string[]): Promise<ProfileRecord[]> {
    if (addresses.length === 0) return [];
    return this.rows<ProfileRecord>(SQL.byAddresses, [addresses]);
  }

  async findNicknameByAddress(address: string): Promise<{ address: string; nickname: string } | null> {
    const [row] = await this.rows<{ address: string; nickname: string }>(SQL.nicknameByAddress, [address]);
    return row ?? null;
  }

  async findByNormalizedNickname(normalized: string): Promise<{ address: string; nickname: string } | null> {
    const [row] = await this.rows<{ address: string; nickname: string }>(SQL.byNormalizedNickname, [normalized]);
    return row ?? null;
  }

  /** Which of these normalized names are already claimed (one query). */
  async takenAmong(normalized: string[]): Promise<Set<string>> {
    if (normalized.length === 0) return new Set();
    const rows = await this.rows<{ n: string }>(SQL.takenAmong, [normalized]);
    return new Set(rows.map((r) => r.n));
  }

  /**
   * Runs `work` in a transaction. The work receives a handle whose reads lock the row, so the
   * decision it makes (limits, cooldown, what counts as a change) cannot race another write.
   */
  async transaction<T>(work: (tx: ProfileTransaction) => Promise<T>): Promise<T> {
    return this.sqlEm.transactional((em) => work(new ProfileTransaction(em as SqlEntityManager)));
  }
}

export class ProfileTransaction {
  constructor(private readonly em: SqlEntityManager) {}

  async findForUpdate(address: string): Promise<ProfileRecord | null> {
    const [row] = await this.em.execute<ProfileRecord[]>(SQL.lockByAddress, [address], 'all');
    return row ?? null;
  }

  /** Inserts a new profile; null when another request created this address first. */
  async insert(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord | null> {
    const params = [
      address, values.nickname, values.nicknameNormalized, values.avatarStyle, values.avatarSelection,
      values.avatarVariant, values.nicknameChangeCount, isoOrNull(values.lastNicknameChange), now.toISOString(),
      now.toISOString(),
    ];
    const [row] = await this.guard(() => this.em.execute<ProfileRecord[]>(SQL.insert, params, 'all'));
    return row ?? null;
  }

  async update(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord> {
    const params = [
      values.nickname, values.nicknameNormalized, values.avatarStyle, values.avatarSelection, values.avatarVariant,
      values.nicknameChangeCount, isoOrNull(values.lastNicknameChange), now.toISOString(), address,
    ];
    const [row] = await this.guard(() => this.em.execute<ProfileRecord[]>(SQL.update, params, 'all'));
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
