import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-In with Ethereum: single-use nonces and server-side sessions (a JWT carries only the session
 * id, so logout revokes for real). Both live in PostgreSQL so any instance can verify them.
 */
export class Migration20261129010000_auth extends Migration {
  async up(): Promise<void> {
    await this.execute(`
      create table auth_nonces (
        nonce varchar(64) primary key,
        expires_at timestamptz not null,
        used_at timestamptz,
        created_at timestamptz not null default now()
      )`);
    // The issuing path purges long-expired nonces by this column.
    await this.execute(`create index auth_nonces_expires_at_idx on auth_nonces (expires_at)`);
    await this.execute(`
      create table auth_sessions (
        id uuid primary key,
        address varchar(42) not null constraint auth_sessions_address_format check (address ~ '^0x[0-9a-f]{40}$'),
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        revoked_at timestamptz
      )`);
    await this.execute(`create index auth_sessions_expires_at_idx on auth_sessions (expires_at)`);
  }

  async down(): Promise<void> {
    // Dropping sessions signs everyone out; nonces are useless after ten minutes anyway.
    await this.execute(`drop table if exists auth_sessions`);
    await this.execute(`drop table if exists auth_nonces`);
  }
}
