import {
  ArrayNotEmpty,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { parseDatabaseUrl } from '../database/connection-options';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** Outside production only: the hosts a local frontend or `npm run dev:session` signs in from. */
export const DEV_SIWE_DOMAINS = ['localhost:3000', 'localhost', '127.0.0.1:3000'];
/** Base and Base Sepolia. */
export const DEFAULT_SIWE_CHAIN_IDS = [8453, 84532];

export const DEFAULT_RESERVED_NICKNAMES = [
  'admin', 'administrator', 'root', 'system', 'villa', 'support', 'help', 'info', 'api', 'www', 'mail',
  'email', 'null', 'undefined', 'test', 'demo', 'proof', 'retreat', 'village', 'mod', 'moderator',
];

const POSTGRES_URL = /^postgres(ql)?:\/\/[^/\s]+\/[^\s?/]+(\?\S*)?$/;

/** The shape, and what the driver setup will parse later (port range, sslmode), so a bad URL fails here. */
function IsPostgresUrl(options: ValidationOptions): PropertyDecorator {
  const parses = (url: string) => {
    try {
      return parseDatabaseUrl(url).host !== '';
    } catch {
      return false;
    }
  };
  return ValidateBy(
    { name: 'isPostgresUrl', validator: { validate: (v: unknown) => typeof v === 'string' && POSTGRES_URL.test(v) && parses(v) } },
    options,
  );
}

const isProduction = (env: EnvSchema) => env.NODE_ENV === 'production';

/**
 * Every environment variable the service reads, already parsed into its type.
 * Raw strings are converted by `parseEnv` (numbers and booleans explicitly, never by truthiness),
 * then validated here. Messages name the variable, never its value.
 */
export class EnvSchema {
  @IsIn(NODE_ENVS, { message: `NODE_ENV must be one of ${NODE_ENVS.join(', ')}` })
  NODE_ENV: NodeEnv;

  @IsInt({ message: 'PORT must be an integer' })
  @Min(0)
  @Max(65535)
  PORT: number;

  @IsString()
  @MinLength(1, { message: 'HOST must not be empty' })
  HOST: string;

  @ValidateIf((env: EnvSchema) => isProduction(env) || env.DATABASE_URL !== undefined)
  @IsPostgresUrl({
    message: 'DATABASE_URL must be a postgres:// or postgresql:// URL with a host, a database name and a known sslmode',
  })
  DATABASE_URL?: string;

  @IsOptional()
  @IsPostgresUrl({
    message: 'DATABASE_MIGRATION_URL must be a postgres:// or postgresql:// URL with a host, a database name and a known sslmode',
  })
  DATABASE_MIGRATION_URL?: string;

  @IsOptional()
  @Matches(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, {
    message: 'DATABASE_CA_CERT must be a PEM certificate (-----BEGIN CERTIFICATE----- …)',
  })
  DATABASE_CA_CERT?: string;

  @IsInt({ message: 'DATABASE_POOL_MAX must be an integer' })
  @Min(1)
  @Max(100)
  DATABASE_POOL_MAX: number;

  @IsInt({ message: 'DATABASE_CONNECT_TIMEOUT_MS must be an integer' })
  @Min(100)
  @Max(60_000)
  DATABASE_CONNECT_TIMEOUT_MS: number;

  @IsInt({ message: 'DATABASE_STATEMENT_TIMEOUT_MS must be an integer' })
  @Min(0)
  @Max(600_000)
  DATABASE_STATEMENT_TIMEOUT_MS: number;

  @IsInt({ message: 'DATABASE_QUERY_TIMEOUT_MS must be an integer' })
  @Min(0)
  @Max(600_000)
  DATABASE_QUERY_TIMEOUT_MS: number;

  @IsInt({ message: 'DATABASE_LOCK_TIMEOUT_MS must be an integer' })
  @Min(0)
  @Max(600_000)
  DATABASE_LOCK_TIMEOUT_MS: number;

  @IsString()
  @MinLength(1)
  EMBEDDED_DATA_DIR: string;

  @IsBoolean({ message: 'MIGRATE_ON_BOOT must be true or false' })
  MIGRATE_ON_BOOT: boolean;

  @IsBoolean({ message: 'DATABASE_BATCH_LOOKUPS must be true or false' })
  DATABASE_BATCH_LOOKUPS: boolean;

  @ValidateIf((env: EnvSchema) => isProduction(env) || env.MIGRATE_SECRET !== undefined)
  @IsString({ message: 'MIGRATE_SECRET is required' })
  @MinLength(32, { message: 'MIGRATE_SECRET must be at least 32 characters' })
  MIGRATE_SECRET?: string;

  @IsInt({ message: 'ADMIN_RATE_LIMIT must be an integer' })
  @Min(1)
  ADMIN_RATE_LIMIT: number;

  @IsInt({ message: 'ADMIN_RATE_WINDOW_SECONDS must be an integer' })
  @Min(1)
  ADMIN_RATE_WINDOW_SECONDS: number;

  @IsBoolean({ message: 'TRUST_PROXY must be true or false' })
  TRUST_PROXY: boolean;

  @Matches(/^https?:\/\/[^\s/]+$/, { each: true, message: 'CORS_ORIGINS must be a comma-separated list of origins like https://app.example' })
  CORS_ORIGINS: string[];

  @IsInt({ message: 'RATE_LIMIT_WINDOW_SECONDS must be an integer' })
  @Min(1)
  RATE_LIMIT_WINDOW_SECONDS: number;

  @IsInt({ message: 'RATE_LIMIT_LOOKUPS must be an integer' })
  @Min(1)
  RATE_LIMIT_LOOKUPS: number;

  @IsInt({ message: 'RATE_LIMIT_WRITES must be an integer' })
  @Min(1)
  RATE_LIMIT_WRITES: number;

  @IsInt({ message: 'RATE_LIMIT_AUTH must be an integer' })
  @Min(1)
  RATE_LIMIT_AUTH: number;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL: string;

  @Matches(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, { message: 'ENS_DOMAIN must be a domain name such as villa.cash' })
  @MaxLength(200)
  ENS_DOMAIN: string;

  @Matches(/^[a-z][a-z0-9_]*$/, { each: true, message: 'RESERVED_NICKNAMES must be a comma-separated list of lowercase names' })
  RESERVED_NICKNAMES: string[];

  @IsInt({ message: 'MAX_NICKNAME_CHANGES must be an integer' })
  @Min(0)
  @Max(1000)
  MAX_NICKNAME_CHANGES: number;

  @IsInt({ message: 'NICKNAME_CHANGE_COOLDOWN_DAYS must be an integer' })
  @Min(0)
  @Max(3650)
  NICKNAME_CHANGE_COOLDOWN_DAYS: number;

  @ValidateIf((env: EnvSchema) => isProduction(env) || env.SESSION_SECRET !== undefined)
  @IsString({ message: 'SESSION_SECRET is required' })
  @MinLength(32, { message: 'SESSION_SECRET must be at least 32 characters' })
  SESSION_SECRET?: string;

  @IsInt({ message: 'SESSION_TTL_SECONDS must be an integer' })
  @Min(60)
  @Max(31_536_000)
  SESSION_TTL_SECONDS: number;

  @ArrayNotEmpty({ message: 'SIWE_DOMAINS is required' })
  @Matches(/^(\[[0-9a-f:]+\]|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)(:\d{1,5})?$/, {
    each: true,
    message: 'SIWE_DOMAINS must be a comma-separated list of host[:port] entries such as app.villa.cash',
  })
  SIWE_DOMAINS: string[];

  @ArrayNotEmpty({ message: 'SIWE_CHAIN_IDS must not be empty' })
  @IsInt({ each: true, message: 'SIWE_CHAIN_IDS must be a comma-separated list of integer chain ids' })
  @Min(1, { each: true, message: 'SIWE_CHAIN_IDS must be a comma-separated list of integer chain ids' })
  SIWE_CHAIN_IDS: number[];

  // Villa's users sign in with passkey smart accounts, whose signatures only the chain can check.
  @ValidateIf((env: EnvSchema) => (isProduction(env) && env.SIWE_EOA_ONLY !== true) || env.CHAIN_RPC_URL !== undefined)
  @IsString({ message: 'CHAIN_RPC_URL is required in production (passkey smart-account sign-in); set SIWE_EOA_ONLY=true to allow EOAs only' })
  @Matches(/^https?:\/\/[^\s/?#@]+(@[^\s/?#]+)?([/?#]\S*)?$/, { message: 'CHAIN_RPC_URL must be an http:// or https:// URL' })
  CHAIN_RPC_URL?: string;

  @IsBoolean({ message: 'SIWE_EOA_ONLY must be true or false' })
  @ValidateBy(
    { name: 'eoaOnlyWithoutRpc', validator: { validate: (v: unknown, args) => !(v === true && (args?.object as EnvSchema).CHAIN_RPC_URL !== undefined) } },
    { message: 'SIWE_EOA_ONLY=true says only EOAs may sign in, but CHAIN_RPC_URL is set: unset one of them' },
  )
  SIWE_EOA_ONLY: boolean;

  @IsInt({ message: 'CHAIN_RPC_TIMEOUT_MS must be an integer' })
  @Min(100)
  @Max(60_000)
  CHAIN_RPC_TIMEOUT_MS: number;

  @IsInt({ message: 'SIWE_CLOCK_SKEW_SECONDS must be an integer' })
  @Min(0)
  @Max(3600)
  SIWE_CLOCK_SKEW_SECONDS: number;

  // Node's own default (300 s) is the ceiling; below a second its once-a-second check is too coarse.
  @IsInt({ message: 'HTTP_REQUEST_TIMEOUT_MS must be an integer' })
  @Min(1000)
  @Max(300_000)
  HTTP_REQUEST_TIMEOUT_MS: number;

  // App Platform's longest termination grace is 600 s; 0 cuts every connection at once.
  @IsInt({ message: 'SHUTDOWN_GRACE_MS must be an integer' })
  @Min(0)
  @Max(600_000)
  SHUTDOWN_GRACE_MS: number;

  @IsBoolean({ message: 'DOCS_ENABLED must be true or false' })
  DOCS_ENABLED: boolean;
}
