import { Entity, EntityRepositoryType, PrimaryKey, Property } from '@mikro-orm/postgresql';
import { SessionRepository } from './session.repository';

/** A signed-in wallet. The bearer token names this row, so revoking the row ends the token. */
@Entity({ tableName: 'auth_sessions', repository: () => SessionRepository })
export class AuthSession {
  [EntityRepositoryType]?: SessionRepository;

  @PrimaryKey({ type: 'uuid' })
  id: string;

  /** Always lowercase: a check constraint enforces it. */
  @Property({ type: 'string', length: 42 })
  address: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
