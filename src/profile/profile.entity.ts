import { Entity, PrimaryKey, Property } from '@mikro-orm/postgresql';

/**
 * The `profiles` table of CONTRACT.md, adopted in place from the legacy routes (see migrations/).
 * Read and written through ProfileRepository's own SQL, never through the identity map.
 */
@Entity({ tableName: 'profiles' })
export class Profile {
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
