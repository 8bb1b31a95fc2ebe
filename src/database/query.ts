import type { Compilable, CompiledQuery, Expression, Kysely, RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { InferClassEntityDB, SqlEntityManager } from '@mikro-orm/postgresql';
import type { AuthNonce } from '../auth/nonce.entity';
import type { AuthSession } from '../auth/session.entity';
import type { Profile } from '../profile/profile.entity';

/**
 * The repositories' queries go through MikroORM's Kysely integration: tables are named by entity
 * (MikroORM's plugin maps `Profile` to `profiles`), columns by their database names, and both are typed
 * from the entity classes, so a misspelt or mistyped column is a compile error.
 */
export const KYSELY_OPTIONS = { tableNamingStrategy: 'entity' } as const;
export type Database = InferClassEntityDB<typeof Profile | typeof AuthNonce | typeof AuthSession, typeof KYSELY_OPTIONS>;
export type Db = Kysely<Database>;

/** The entity-typed Kysely of `em`: on the pool, or bound to the transaction `em` runs in. */
export const kyselyOf = (em: SqlEntityManager): Db => em.getKysely<Database>(KYSELY_OPTIONS);

const ISO_8601_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** A timestamptz column rendered by PostgreSQL as the ISO-8601 UTC string the API returns. */
export function isoTimestamp<T extends Date | null>(column: Expression<T>): RawBuilder<T extends Date ? string : string | null> {
  return sql`to_char(${column} at time zone 'UTC', ${sql.raw(ISO_8601_UTC)})`;
}

/** Runs a query, its failure converted by MikroORM (a lost unique race is a UniqueConstraintViolationException). */
export async function run<T>(em: SqlEntityManager, query: { execute(): Promise<T> }): Promise<T> {
  try {
    return await query.execute();
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  }
}

class Parameter {
  constructor(readonly key: number | string) {}
}

/**
 * A query built and compiled once, at boot; each run binds its arguments to the compiled statement's
 * parameters (`param(k)` takes `params[k]` of `run`: an index into an array, or a name in an object).
 * Building and compiling a Kysely query cost ~14 µs here, a tenth of a read's CPU and ~95 µs of the
 * four statements of a write (docs/performance.md, "The stack move"): the hot reads and the writes'
 * statements are compiled once. `run` sends it on the pool, or on `db` (a write's transaction).
 */
export class PreparedQuery<Row> {
  private readonly db: Db;
  private readonly compiled: CompiledQuery<Row>;
  /** Per compiled parameter: the argument it takes, or the constant it was built with. */
  private readonly bindings: ({ arg: number | string } | { value: unknown })[];

  constructor(
    private readonly em: SqlEntityManager,
    build: (db: Db, param: <T>(key: number | string) => T) => Compilable<Row>,
  ) {
    this.db = kyselyOf(em);
    this.compiled = build(this.db, (key) => new Parameter(key) as never).compile();
    this.bindings = this.compiled.parameters.map((p) => (p instanceof Parameter ? { arg: p.key } : { value: p }));
  }

  get sql(): string {
    return this.compiled.sql;
  }

  async run(params: readonly unknown[] | Readonly<Record<string, unknown>>, db: Db = this.db): Promise<Row[]> {
    const args = params as Readonly<Record<number | string, unknown>>;
    const parameters = this.bindings.map((b) => ('arg' in b ? args[b.arg] : b.value));
    try {
      return (await db.executeQuery<Row>({ ...this.compiled, parameters })).rows;
    } catch (err) {
      throw this.em.getDriver().convertException(err as Error);
    }
  }
}
