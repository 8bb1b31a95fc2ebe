import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { EntityName, EntityRepositoryType } from '@mikro-orm/postgresql';
import { SessionRepository } from './session.repository';

/** A signed-in wallet. The bearer token names this row, so revoking the row ends the token. */
@Entity({ tableName: 'auth_sessions', repository: () => SessionRepository })
@Check({ name: 'auth_sessions_address_format', expression: "address ~ '^0x[0-9a-f]{40}$'" })
export class AuthSession {
  [EntityName]?: 'AuthSession';
  [EntityRepositoryType]?: SessionRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string;

  /** Always lowercase: a check constraint enforces it. */
  @Property({ type: 'string', length: 42 })
  address: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /** The purge of expired sessions reads by this column. */
  @Index({ name: 'auth_sessions_expires_at_idx' })
  @Property({ type: 'datetime' })
  expiresAt: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
