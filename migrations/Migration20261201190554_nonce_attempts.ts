import { Migration } from '@mikro-orm/migrations';

/**
 * Signature checks spent on each SIWE nonce, so one nonce buys a bounded number of verifications
 * (each may cost a chain RPC call) across every instance. Existing nonces start at 0.
 */
export class Migration20261201190554_nonce_attempts extends Migration {
  async up(): Promise<void> {
    await this.execute(`
      alter table auth_nonces
        add column attempts integer not null default 0
          constraint auth_nonces_attempts_nonnegative check (attempts >= 0)`);
  }

  async down(): Promise<void> {
    await this.execute(`alter table auth_nonces drop column if exists attempts`);
  }
}
