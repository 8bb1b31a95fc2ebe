import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/postgresql';

/** A SIWE nonce: issued by POST /api/auth/nonce, burnt by the one sign-in that uses it. */
@Entity({ tableName: 'auth_nonces' })
export class AuthNonce {
  @PrimaryKey({ type: 'string', length: 64 })
  nonce: string;

  @Property({ type: 'datetime' })
  expiresAt: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;

  /** Signature checks spent on it: failures, plus any still running. At the limit the nonce is dead. */
  @Property({ type: 'integer', default: 0 })
  @Check({ name: 'auth_nonces_attempts_nonnegative', expression: 'attempts >= 0' })
  attempts: number = 0;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
