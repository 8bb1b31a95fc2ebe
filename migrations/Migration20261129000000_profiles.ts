import { Migration } from '@mikro-orm/migrations';

/** The table exactly as the legacy Next.js routes created it (CONTRACT.md, "The database that exists today"). */
const LEGACY_TABLE = `
  create table profiles (
    address varchar(42) primary key,
    nickname varchar(32) unique,
    nickname_normalized varchar(32) unique,
    avatar_style varchar(20),
    avatar_selection varchar(10),
    avatar_variant integer,
    nickname_change_count integer default 0,
    last_nickname_change timestamptz,
    created_at timestamptz default now(),
    updated_at timestamptz default now()
  )`;

/**
 * Creates `profiles` on an empty database, or adopts the legacy table in place. Both paths run the
 * same adoption steps (an empty database first gets the legacy table), so they end with one schema.
 * Nothing is deleted: rows that cannot be adopted automatically stop the migration with a report.
 */
export class Migration20261129000000_profiles extends Migration {
  async up(): Promise<void> {
    const [{ exists }] = await this.execute(`select to_regclass('public.profiles') is not null as exists`);
    if (!exists) await this.execute(LEGACY_TABLE);

    await this.refuseCollisions();

    // The legacy unique constraints go first: they are checked row by row during the updates below,
    // so two rows whose nickname pairs swap would fail midway although the end state is unique.
    // Uniqueness is case-insensitive and comes back on nickname_normalized alone; the legacy one on
    // the display form is redundant (and case-sensitive). One transaction: nothing sees the gap.
    for (const name of [...(await this.uniqueConstraintsOn('nickname')), ...(await this.uniqueConstraintsOn('nickname_normalized'))]) {
      await this.execute(`alter table profiles drop constraint "${name}"`);
    }

    // Fold addresses to lowercase and derive both nickname forms from one source of truth.
    await this.execute(`update profiles set address = lower(address) where address <> lower(address)`);
    await this.execute(`
      update profiles set
        nickname = coalesce(nickname, nickname_normalized),
        nickname_normalized = lower(coalesce(nickname, nickname_normalized))
      where nickname_normalized is distinct from lower(coalesce(nickname, nickname_normalized))
         or (nickname is null and nickname_normalized is not null)`);
    await this.execute(`update profiles set nickname_change_count = 0 where nickname_change_count is null`);
    await this.execute(`update profiles set created_at = coalesce(updated_at, now()) where created_at is null`);
    await this.execute(`update profiles set updated_at = created_at where updated_at is null`);

    await this.execute(`
      alter table profiles
        alter column nickname_change_count set default 0,
        alter column nickname_change_count set not null,
        alter column created_at set default now(),
        alter column created_at set not null,
        alter column updated_at set default now(),
        alter column updated_at set not null`);

    await this.execute(`alter table profiles add constraint profiles_nickname_normalized_key unique (nickname_normalized)`);

    await this.execute(`
      alter table profiles
        add constraint profiles_address_format check (address ~ '^0x[0-9a-f]{40}$'),
        add constraint profiles_nickname_normalized_lower check (nickname_normalized = lower(nickname)),
        add constraint profiles_nickname_change_count_nonnegative check (nickname_change_count >= 0)`);
  }

  async down(): Promise<void> {
    // Reverting never drops data: it removes what this migration added and restores the legacy shape.
    await this.execute(`
      alter table profiles
        drop constraint if exists profiles_address_format,
        drop constraint if exists profiles_nickname_normalized_lower,
        drop constraint if exists profiles_nickname_change_count_nonnegative,
        alter column nickname_change_count drop not null,
        alter column created_at drop not null,
        alter column updated_at drop not null`);
    await this.execute(`alter table profiles add constraint profiles_nickname_key unique (nickname)`);
  }

  /** Stops the migration, listing every offending row, when two legacy rows would merge into one. */
  private async refuseCollisions(): Promise<void> {
    const problems: string[] = [];
    const addresses = await this.execute(`
      select lower(address) as key, string_agg(address, ', ' order by address) as rows
      from profiles group by lower(address) having count(*) > 1`);
    for (const r of addresses) problems.push(`addresses differing only in case: ${r.rows}`);
    const badAddresses = await this.execute(`
      select address from profiles where address !~* '^0x[0-9a-f]{40}$' order by address limit 50`);
    for (const r of badAddresses) problems.push(`not a 0x address: ${JSON.stringify(r.address)}`);
    const nicknames = await this.execute(`
      select lower(coalesce(nickname, nickname_normalized)) as key,
             string_agg(address || '=' || coalesce(nickname, nickname_normalized), ', ' order by address) as rows
      from profiles where coalesce(nickname, nickname_normalized) is not null
      group by 1 having count(*) > 1`);
    for (const r of nicknames) problems.push(`nicknames equal ignoring case: ${r.rows}`);
    if (problems.length > 0) {
      throw new Error(
        `Cannot adopt the legacy profiles table without merging rows; resolve these by hand, then re-run:\n` +
          problems.map((p) => `  - ${p}`).join('\n'),
      );
    }
  }

  private async uniqueConstraintsOn(column: string): Promise<string[]> {
    const rows = await this.execute(
      `select c.conname as name
       from pg_constraint c
       join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
       where c.conrelid = 'public.profiles'::regclass and c.contype = 'u' and array_length(c.conkey, 1) = 1
         and a.attname = ?
       order by c.conname`,
      [column],
    );
    return rows.map((r) => String(r.name));
  }
}
