import { Check, Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { EntityName, EntityRepositoryType } from '@mikro-orm/postgresql';
import { NonceRepository } from './nonce.repository';

/** A SIWE nonce: issued by POST /api/auth/nonce, burnt by the one sign-in that uses it. */
@Entity({ tableName: 'auth_nonces', repository: () => NonceRepository })
export class AuthNonce {
  [EntityName]?: 'AuthNonce';
  [EntityRepositoryType]?: NonceRepository;

  @PrimaryKey({ type: 'string', length: 64 })
  nonce: string;

  /** The issuing path purges long-expired nonces by this column. */
  @Index({ name: 'auth_nonces_expires_at_idx' })
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
