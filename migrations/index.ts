import { MigrationEntry } from '../src/database/migration-runner';
import { Migration20261129000000_profiles } from './Migration20261129000000_profiles';
import { Migration20261129010000_auth } from './Migration20261129010000_auth';
import { Migration20261201190554_nonce_attempts } from './Migration20261201190554_nonce_attempts';

/** Every migration, in order. Listed explicitly so the compiled app and ts tests run the same set. */
export const MIGRATIONS: MigrationEntry[] = [
  { name: 'Migration20261129000000_profiles', class: Migration20261129000000_profiles },
  { name: 'Migration20261129010000_auth', class: Migration20261129010000_auth },
  { name: 'Migration20261201190554_nonce_attempts', class: Migration20261201190554_nonce_attempts },
];
