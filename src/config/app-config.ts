import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { DEFAULT_RESERVED_NICKNAMES, DEFAULT_SIWE_CHAIN_IDS, DEV_SIWE_DOMAINS, EnvSchema, NodeEnv } from './env.schema';

export interface DatabaseConfig {
  /** null: no DATABASE_URL outside production, so the embedded database is used. */
  url: string | null;
  /** True when `url` points at the in-process embedded database (an input, not a variable: ConfigInputs). */
  embedded: boolean;
  /** A direct connection for migrations when `url` goes through a pooler; null: use `url`. */
  migrationUrl: string | null;
  caCert: string | null;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Client-side bound on one query; works behind a pooler, where statementTimeoutMs must be 0. */
  queryTimeoutMs: number;
  /** Bound on a profile write's wait for a row lock (lock_timeout, per transaction); 0: none. */
  lockTimeoutMs: number;
  /** Coalesce concurrent single-key lookups into one query (see keyedLookup). */
  batchLookups: boolean;
  embeddedDataDir: string;
  migrateOnBoot: boolean;
}

/** The validated, typed configuration: built once at boot, deeply frozen. Only config/ reads `process.env`. */
export class AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  logLevel: string;
  /** Believe the load balancer's `do-connecting-ip` header for the client address. */
  trustProxy: boolean;
  corsOrigins: string[];
  /** Requests per client IP per window, per route group. */
  rateLimits: { windowSeconds: number; lookups: number; writes: number; auth: number };
  database: DatabaseConfig;
  admin: { migrateSecret: string | null; rateLimit: number; rateWindowSeconds: number };
  nickname: {
    ensDomain: string;
    reserved: string[];
    maxChanges: number;
    cooldownDays: number;
  };
  auth: {
    /** null outside production when unset: sessions are signed with a random per-process key. */
    sessionSecret: string | null;
    sessionTtlSeconds: number;
    /** host[:port] values a SIWE message's domain must be one of (lowercase). */
    siweDomains: string[];
    siweChainIds: number[];
    /** JSON-RPC endpoint for smart-account (ERC-1271/6492) signatures; null: EOA signatures only. */
    chainRpcUrl: string | null;
    /** SIWE_EOA_ONLY: production may run without chainRpcUrl, refusing smart accounts on purpose. */
    eoaOnly: boolean;
    chainRpcTimeoutMs: number;
    clockSkewSeconds: number;
  };

  http: {
    /** Bound on receiving one request, headers and body (Node's server.requestTimeout). */
    requestTimeoutMs: number;
    /** How long in-flight requests may run after SIGTERM before their connections are cut. */
    shutdownGraceMs: number;
    /** Serve the Swagger UI at /docs and the OpenAPI document at /docs-json. */
    docsEnabled: boolean;
  };

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

/** Thrown when the environment is invalid; `problems` holds one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** What the process decided before its config was built, as opposed to what the environment says. */
export interface ConfigInputs {
  /** The embedded database this process serves because DATABASE_URL is unset (PGlite: a pool of 1). */
  embeddedDatabaseUrl?: string;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Strict integer parsing: "12abc", "1e3", "" and " " are NaN, not 12, 1000 or 0. */
function int(value: string | undefined, fallback: number): number {
  const v = blankToUndefined(value);
  if (v === undefined) return fallback;
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
}

/** Strict boolean parsing: "false" is false (not a truthy string); anything unknown fails validation. */
function bool(value: string | undefined, fallback: boolean): boolean {
  const v = blankToUndefined(value)?.trim().toLowerCase();
  if (v === undefined) return fallback;
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return v as unknown as boolean; // left as a string so @IsBoolean reports it
}

/** "8453, 84532" → [8453, 84532]; a bad entry becomes NaN so validation names the variable. */
function intList(value: string | undefined, fallback: number[]): number[] {
  const v = blankToUndefined(value);
  if (v === undefined) return fallback;
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : Number.NaN));
}

function list(value: string | undefined, fallback: string[]): string[] {
  const v = blankToUndefined(value);
  if (v === undefined) return fallback;
  return v
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
}

/** A comma-separated list kept as written (origins are case-sensitive in their path-less form). */
function rawList(value: string | undefined): string[] {
  return (blankToUndefined(value) ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter((s) => s.length > 0);
}

/** PEM blocks often arrive with literal "\n" when pasted into a single-line env var. */
function pem(value: string | undefined): string | undefined {
  const v = blankToUndefined(value);
  return v?.includes('\\n') ? v.replace(/\\n/g, '\n') : v;
}

export function parseEnv(env: Env): EnvSchema {
  const nodeEnv = blankToUndefined(env.NODE_ENV) ?? 'development';
  const production = nodeEnv === 'production';
  return plainToInstance(EnvSchema, {
    NODE_ENV: nodeEnv,
    PORT: int(env.PORT, 3000),
    HOST: blankToUndefined(env.HOST) ?? '0.0.0.0',
    DATABASE_URL: blankToUndefined(env.DATABASE_URL)?.trim(),
    DATABASE_MIGRATION_URL: blankToUndefined(env.DATABASE_MIGRATION_URL)?.trim(),
    DATABASE_CA_CERT: pem(env.DATABASE_CA_CERT),
    DATABASE_POOL_MAX: int(env.DATABASE_POOL_MAX, 10),
    DATABASE_CONNECT_TIMEOUT_MS: int(env.DATABASE_CONNECT_TIMEOUT_MS, 5000),
    DATABASE_STATEMENT_TIMEOUT_MS: int(env.DATABASE_STATEMENT_TIMEOUT_MS, 15_000),
    DATABASE_QUERY_TIMEOUT_MS: int(env.DATABASE_QUERY_TIMEOUT_MS, 20_000),
    DATABASE_LOCK_TIMEOUT_MS: int(env.DATABASE_LOCK_TIMEOUT_MS, 2000),
    EMBEDDED_DATA_DIR: blankToUndefined(env.EMBEDDED_DATA_DIR) ?? './.data',
    MIGRATE_ON_BOOT: bool(env.MIGRATE_ON_BOOT, !production),
    DATABASE_BATCH_LOOKUPS: bool(env.DATABASE_BATCH_LOOKUPS, true),
    MIGRATE_SECRET: blankToUndefined(env.MIGRATE_SECRET),
    ADMIN_RATE_LIMIT: int(env.ADMIN_RATE_LIMIT, 10),
    ADMIN_RATE_WINDOW_SECONDS: int(env.ADMIN_RATE_WINDOW_SECONDS, 60),
    LOG_LEVEL: blankToUndefined(env.LOG_LEVEL)?.toLowerCase() ?? 'info',
    TRUST_PROXY: bool(env.TRUST_PROXY, false),
    CORS_ORIGINS: rawList(env.CORS_ORIGINS),
    RATE_LIMIT_WINDOW_SECONDS: int(env.RATE_LIMIT_WINDOW_SECONDS, 60),
    RATE_LIMIT_LOOKUPS: int(env.RATE_LIMIT_LOOKUPS, 600),
    RATE_LIMIT_WRITES: int(env.RATE_LIMIT_WRITES, 60),
    RATE_LIMIT_AUTH: int(env.RATE_LIMIT_AUTH, 60),
    ENS_DOMAIN: blankToUndefined(env.ENS_DOMAIN)?.toLowerCase() ?? 'villa.cash',
    RESERVED_NICKNAMES: list(env.RESERVED_NICKNAMES, DEFAULT_RESERVED_NICKNAMES),
    MAX_NICKNAME_CHANGES: int(env.MAX_NICKNAME_CHANGES, 1),
    NICKNAME_CHANGE_COOLDOWN_DAYS: int(env.NICKNAME_CHANGE_COOLDOWN_DAYS, 30),
    SESSION_SECRET: blankToUndefined(env.SESSION_SECRET),
    SESSION_TTL_SECONDS: int(env.SESSION_TTL_SECONDS, 7 * 86_400),
    SIWE_DOMAINS: list(env.SIWE_DOMAINS, production ? [] : DEV_SIWE_DOMAINS),
    SIWE_CHAIN_IDS: intList(env.SIWE_CHAIN_IDS, DEFAULT_SIWE_CHAIN_IDS),
    CHAIN_RPC_URL: blankToUndefined(env.CHAIN_RPC_URL)?.trim(),
    SIWE_EOA_ONLY: bool(env.SIWE_EOA_ONLY, false),
    CHAIN_RPC_TIMEOUT_MS: int(env.CHAIN_RPC_TIMEOUT_MS, 5000),
    SIWE_CLOCK_SKEW_SECONDS: int(env.SIWE_CLOCK_SKEW_SECONDS, 60),
    HTTP_REQUEST_TIMEOUT_MS: int(env.HTTP_REQUEST_TIMEOUT_MS, 15_000),
    SHUTDOWN_GRACE_MS: int(env.SHUTDOWN_GRACE_MS, 10_000),
    DOCS_ENABLED: bool(env.DOCS_ENABLED, !production),
  });
}

/** One line per failing variable: its name and the first rule it broke. Never the value. */
function describe(errors: ValidationError[]): string[] {
  return errors.map((e) => {
    // Decorators apply bottom-up, so the last constraint is the rule written first (the type check):
    // "PORT=12abc" reports "must be an integer", not "must not be greater than 65535".
    const message = Object.values(e.constraints ?? {}).at(-1) ?? 'is invalid';
    return message.startsWith(e.property) ? message : `${e.property}: ${message}`;
  });
}

/** Frozen all the way down: a config nothing can change after validation. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** Parses and validates the environment: the variables in their types, frozen; or throws ConfigError. */
export function validateEnv(env: Env): EnvSchema {
  const parsed = parseEnv(env);
  const errors = validateSync(parsed, { validationError: { target: false, value: false } });
  if (errors.length > 0) throw new ConfigError(describe(errors));
  return deepFreeze(parsed);
}

/** Validates the environment and returns the typed config, or throws ConfigError. */
export function loadConfig(env: Env = process.env, inputs: ConfigInputs = {}): AppConfig {
  return buildConfig(validateEnv(env), inputs);
}

/** The typed config of validated variables and this process's inputs, deeply frozen. */
export function buildConfig(parsed: EnvSchema, inputs: ConfigInputs = {}): AppConfig {
  const embedded = parsed.DATABASE_URL === undefined && inputs.embeddedDatabaseUrl !== undefined;
  const config = Object.assign(new AppConfig(), {
    nodeEnv: parsed.NODE_ENV,
    port: parsed.PORT,
    host: parsed.HOST,
    logLevel: parsed.LOG_LEVEL,
    trustProxy: parsed.TRUST_PROXY,
    corsOrigins: parsed.CORS_ORIGINS,
    rateLimits: {
      windowSeconds: parsed.RATE_LIMIT_WINDOW_SECONDS,
      lookups: parsed.RATE_LIMIT_LOOKUPS,
      writes: parsed.RATE_LIMIT_WRITES,
      auth: parsed.RATE_LIMIT_AUTH,
    },
    database: {
      url: parsed.DATABASE_URL ?? inputs.embeddedDatabaseUrl ?? null,
      embedded,
      migrationUrl: parsed.DATABASE_MIGRATION_URL ?? null,
      caCert: parsed.DATABASE_CA_CERT ?? null,
      poolMax: embedded ? 1 : parsed.DATABASE_POOL_MAX,
      connectTimeoutMs: parsed.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS,
      queryTimeoutMs: parsed.DATABASE_QUERY_TIMEOUT_MS,
      lockTimeoutMs: parsed.DATABASE_LOCK_TIMEOUT_MS,
      batchLookups: parsed.DATABASE_BATCH_LOOKUPS,
      embeddedDataDir: parsed.EMBEDDED_DATA_DIR,
      migrateOnBoot: parsed.MIGRATE_ON_BOOT,
    },
    admin: {
      migrateSecret: parsed.MIGRATE_SECRET ?? null,
      rateLimit: parsed.ADMIN_RATE_LIMIT,
      rateWindowSeconds: parsed.ADMIN_RATE_WINDOW_SECONDS,
    },
    nickname: {
      ensDomain: parsed.ENS_DOMAIN,
      reserved: parsed.RESERVED_NICKNAMES,
      maxChanges: parsed.MAX_NICKNAME_CHANGES,
      cooldownDays: parsed.NICKNAME_CHANGE_COOLDOWN_DAYS,
    },
    auth: {
      sessionSecret: parsed.SESSION_SECRET ?? null,
      sessionTtlSeconds: parsed.SESSION_TTL_SECONDS,
      siweDomains: parsed.SIWE_DOMAINS,
      siweChainIds: parsed.SIWE_CHAIN_IDS,
      chainRpcUrl: parsed.CHAIN_RPC_URL ?? null,
      eoaOnly: parsed.SIWE_EOA_ONLY,
      chainRpcTimeoutMs: parsed.CHAIN_RPC_TIMEOUT_MS,
      clockSkewSeconds: parsed.SIWE_CLOCK_SKEW_SECONDS,
    },
    http: {
      requestTimeoutMs: parsed.HTTP_REQUEST_TIMEOUT_MS,
      shutdownGraceMs: parsed.SHUTDOWN_GRACE_MS,
      docsEnabled: parsed.DOCS_ENABLED,
    },
  } satisfies Omit<AppConfig, 'isProduction'>);
  return deepFreeze(config);
}
