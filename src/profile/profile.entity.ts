import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { EntityName, EntityRepositoryType } from '@mikro-orm/postgresql';
import { ProfileRepository } from './profile.repository';

/**
 * The `profiles` table of CONTRACT.md, adopted in place from the legacy routes (see migrations/).
 * Every column, check and index the migrations create is declared here: a test keeps MikroORM's schema
 * diff empty, so `npm run migration:create` generates the next migration from a change to this class.
 * Read and written through ProfileRepository's queries, never through the identity map.
 */
@Entity({ tableName: 'profiles', repository: () => ProfileRepository })
@Check({ name: 'profiles_address_format', expression: "address ~ '^0x[0-9a-f]{40}$'" })
@Check({ name: 'profiles_nickname_normalized_lower', expression: 'nickname_normalized = lower(nickname)' })
@Check({ name: 'profiles_nickname_change_count_nonnegative', expression: 'nickname_change_count >= 0' })
export class Profile {
  [EntityName]?: 'Profile';
  [EntityRepositoryType]?: ProfileRepository;

  /** Always lowercase: a check constraint enforces it. */
  @PrimaryKey({ type: 'string', length: 42 })
  address: string;

  /** Display form, in the case its owner chose. */
  @Property({ type: 'string', length: 32, nullable: true })
  nickname: string | null = null;

  /** Lowercase form; its unique index is the judge of "is this name taken". */
  @Property({ type: 'string', length: 32, nullable: true, unique: 'profiles_nickname_normalized_key' })
  nicknameNormalized: string | null = null;

  @Property({ type: 'string', length: 20, nullable: true })
  avatarStyle: string | null = null;

  @Property({ type: 'string', length: 10, nullable: true })
  avatarSelection: string | null = null;

  @Property({ type: 'integer', nullable: true })
  avatarVariant: number | null = null;

  @Property({ type: 'integer', default: 0 })
  nicknameChangeCount: number = 0;

  @Property({ type: 'datetime', nullable: true })
  lastNicknameChange: Date | null = null;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
