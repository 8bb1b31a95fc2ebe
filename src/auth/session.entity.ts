import { Entity, PrimaryKey, Property } from '@mikro-orm/postgresql';

/** A signed-in wallet. The bearer token names this row, so revoking the row ends the token. */
@Entity({ tableName: 'auth_sessions' })
export class AuthSession {
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
