import { EntityManager, EntityRepository, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { ExpressionBuilder, SelectQueryBuilder } from 'kysely';
import { KeyedLookup, keyedLookup } from '../database/keyed-lookup';
import { Database, Db, isoTimestamp, kyselyOf, PreparedQuery } from '../database/query';
import type { WriteTransactions } from '../database/write-transactions';
import { Profile } from './profile.entity';

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
const profileColumns = (eb: ExpressionBuilder<Database, 'Profile'>) =>
  [
    'address',
    'nickname',
    'nickname_normalized as nicknameNormalized',
    'avatar_style as avatarStyle',
    'avatar_selection as avatarSelection',
    'avatar_variant as avatarVariant',
    'nickname_change_count as nicknameChangeCount',
    isoTimestamp(eb.ref('last_nickname_change')).as('lastNicknameChange'),
    isoTimestamp(eb.ref('created_at')).as('createdAt'),
    isoTimestamp(eb.ref('updated_at')).as('updatedAt'),
  ] as const;

const profiles = (db: Db) => db.selectFrom('Profile');

/**
 * The read statements, one per lookup and arity (one key, or many as one array parameter). Exported
 * for the bench's bare baseline, which sends the same SQL text.
 */
export const READS = {
  byAddress: (db: Db, key: string) => profiles(db).select(profileColumns).where('address', '=', key),
  byAddresses: (db: Db, keys: string[]) => profiles(db).select(profileColumns).where((eb) => eb('address', '=', eb.fn.any(eb.val(keys)))),
  // A claimed name has a display form: both are written together, from one source (see migrations/).
  byNormalizedNickname: (db: Db, key: string) =>
    profiles(db).select(['address', 'nickname']).where('nickname_normalized', '=', key).$narrowType<{ nickname: string }>(),
  byNormalizedNicknames: (db: Db, keys: string[]) =>
    profiles(db)
      .select(['address', 'nickname', 'nickname_normalized as normalized'])
      .where((eb) => eb('nickname_normalized', '=', eb.fn.any(eb.val(keys))))
      .$narrowType<{ nickname: string; normalized: string }>(),
  nicknameByAddress: (db: Db, key: string) =>
    profiles(db).select(['address', 'nickname']).where('address', '=', key).where('nickname', 'is not', null).$narrowType<{ nickname: string }>(),
  nicknamesByAddresses: (db: Db, keys: string[]) =>
    profiles(db)
      .select(['address', 'nickname'])
      .where((eb) => eb('address', '=', eb.fn.any(eb.val(keys))))
      .where('nickname', 'is not', null)
      .$narrowType<{ nickname: string }>(),
  isTaken: (db: Db, key: string) => profiles(db).select('nickname_normalized as n').where('nickname_normalized', '=', key).$narrowType<{ n: string }>(),
  takenAmong: (db: Db, keys: string[]) =>
    profiles(db)
      .select('nickname_normalized as n')
      .where((eb) => eb('nickname_normalized', '=', eb.fn.any(eb.val(keys))))
      .$narrowType<{ n: string }>(),
};

const NICKNAME_UNIQUE = 'profiles_nickname_normalized_key';

type Lookup = { address: string; nickname: string };

export interface ProfileRepositoryOptions {
  /** Coalesce concurrent single-key reads (DATABASE_BATCH_LOOKUPS). */
  batchLookups: boolean;
  /** The app's one WriteTransactions: the write-slot limit holds across every write. */
  transactions: WriteTransactions;
}

/** A lookup whose one-key and many-key statements are compiled once, here, at boot. */
function preparedLookup<V>(
  em: EntityManager,
  options: ProfileRepositoryOptions,
  one: (db: Db, key: string) => SelectQueryBuilder<Database, 'Profile', V>,
  many: (db: Db, keys: string[]) => SelectQueryBuilder<Database, 'Profile', V>,
  keyOf: (row: V) => string,
): KeyedLookup<V> {
  return keyedLookup<V, PreparedQuery<V>>((query, params) => query.run(params), {
    one: new PreparedQuery(em, (db, param) => one(db, param(0))),
    many: new PreparedQuery(em, (db, param) => many(db, param(0))),
    keyOf,
    batch: options.batchLookups,
  });
}

/**
 * Every query of the `profiles` table, through MikroORM's Kysely (typed from the entity): plain rows
 * shaped for JSON, never hydrated entities (entity reads cost 5x here, DESIGN.md); writes run in one
 * transaction on one connection.
 *
 * Single-key reads (a profile, a reverse or forward lookup, which names are taken, the addresses of a
 * batch) are coalesced (keyedLookup, over DataLoader): the lookups of concurrent requests share one
 * round trip, and a lone one is sent as the one-row query. `DATABASE_BATCH_LOOKUPS=false` sends one
 * query per lookup.
 */
export class ProfileRepository extends EntityRepository<Profile> {
  private readonly db: Db;
  private readonly byAddress: KeyedLookup<ProfileRecord>;
  private readonly nicknameByAddress: KeyedLookup<Lookup>;
  private readonly byNormalizedNickname: KeyedLookup<Lookup & { normalized?: string }>;
  private readonly taken: KeyedLookup<{ n: string }>;
  private readonly transactions: WriteTransactions;
  private readonly writes: WriteStatements;

  constructor(em: EntityManager, options: ProfileRepositoryOptions) {
    super(em, Profile);
    this.db = kyselyOf(em);
    this.transactions = options.transactions;
    this.writes = writeStatements(em);
    this.byAddress = preparedLookup<ProfileRecord>(em, options, READS.byAddress, READS.byAddresses, (r) => r.address);
    this.nicknameByAddress = preparedLookup<Lookup>(em, options, READS.nicknameByAddress, READS.nicknamesByAddresses, (r) => r.address);
    this.byNormalizedNickname = preparedLookup<Lookup & { normalized?: string }>(
      em,
      options,
      READS.byNormalizedNickname,
      READS.byNormalizedNicknames,
      (r) => r.normalized!,
    );
    this.taken = preparedLookup<{ n: string }>(em, options, READS.isTaken, READS.takenAmong, (r) => r.n);
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
   * decision it makes (limits, cooldown, what counts as a change) cannot race another write. Its lock
   * waits and the connections it may hold are bounded (WriteTransactions).
   */
  transaction<T>(work: (tx: ProfileTransaction) => Promise<T>): Promise<T> {
    return this.transactions.run(this.db, (trx) => work(new ProfileTransaction(this.writes, trx)));
  }
}

/** A write's statements, compiled once at boot (ProfileRepository); run on the transaction's connection. */
function writeStatements(em: EntityManager) {
  return {
    findForUpdate: new PreparedQuery(em, (db, param) => READS.byAddress(db, param<string>('address')).forUpdate()),
    insert: new PreparedQuery(em, (db, param) =>
      db
        .insertInto('Profile')
        .values({ address: param<string>('address'), ...columnsOf(param), created_at: param<Date>('now'), updated_at: param<Date>('now') })
        .onConflict((oc) => oc.column('address').doNothing())
        .returning(profileColumns),
    ),
    update: new PreparedQuery(em, (db, param) =>
      db
        .updateTable('Profile')
        .set({ ...columnsOf(param), updated_at: param<Date>('now') })
        .where('address', '=', param<string>('address'))
        .returning(profileColumns),
    ),
  };
}
type WriteStatements = ReturnType<typeof writeStatements>;

/** The queries of one write transaction, on its connection. */
export class ProfileTransaction {
  constructor(
    private readonly statements: WriteStatements,
    private readonly db: Db,
  ) {}

  async findForUpdate(address: string): Promise<ProfileRecord | null> {
    const [row] = await this.statements.findForUpdate.run({ address }, this.db);
    return row ?? null;
  }

  /** Inserts a new profile; null when another request created this address first. */
  async insert(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord | null> {
    const [row] = await this.guard(() => this.statements.insert.run({ ...values, address, now }, this.db));
    return row ?? null;
  }

  async update(address: string, values: ProfileWrite, now: Date): Promise<ProfileRecord> {
    const [row] = await this.guard(() => this.statements.update.run({ ...values, address, now }, this.db));
    return row;
  }

  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException && (err as { constraint?: string }).constraint === NICKNAME_UNIQUE) {
        throw new NicknameTakenError();
      }
      throw err;
    }
  }
}

/** A write's columns by name, each bound to the ProfileWrite field of the same meaning: nothing positional to swap. */
function columnsOf(param: <T>(key: keyof ProfileWrite) => T) {
  return {
    nickname: param<string>('nickname'),
    nickname_normalized: param<string>('nicknameNormalized'),
    avatar_style: param<string | null>('avatarStyle'),
    avatar_selection: param<string | null>('avatarSelection'),
    avatar_variant: param<number | null>('avatarVariant'),
    nickname_change_count: param<number>('nicknameChangeCount'),
    last_nickname_change: param<Date | null>('lastNicknameChange'),
  } satisfies Partial<Database['Profile']>;
}
