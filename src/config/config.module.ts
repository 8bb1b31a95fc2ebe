import { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, buildConfig, ConfigError, ConfigInputs, Env, validateEnv } from './app-config';

/** Where the configuration comes from. */
export interface ConfigSource extends ConfigInputs {
  /** Stands in for process.env (tests, tools): process.env itself is then not read. */
  env?: Env;
  /** The file read outside production: `.env` in the working directory by default; null reads none. */
  envFile?: string | null;
}

/** The validated configuration and the module that provides it to the app. */
export interface LoadedConfig {
  /** Deeply frozen: nothing changes it after validation. */
  config: AppConfig;
  /**
   * @nestjs/config's ConfigModule, global: `ConfigService<EnvSchema, true>` over the validated
   * variables, and AppConfig by class (what the app's constructors take).
   */
  module: DynamicModule;
}

const PRODUCTION_FROM_FILE = 'NODE_ENV=production must be set in the environment: .env is read only outside production';

/**
 * Loads the configuration through @nestjs/config: the environment, plus the .env file outside
 * production (a variable set in the environment wins over the file), validated by EnvSchema in
 * ConfigModule's `validate` hook. Throws ConfigError, one line per bad variable, when it is invalid.
 */
export async function loadConfigModule(source: ConfigSource = {}): Promise<LoadedConfig> {
  const { env, envFile, ...inputs } = source;
  // Decided from the environment alone: in production no file is opened at all.
  const readsFile = (env ?? process.env).NODE_ENV?.trim() !== 'production' && envFile !== null;
  let config: AppConfig | undefined;
  const module = await ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: !readsFile,
    envFilePath: envFile ?? undefined,
    // With `env` given, the hook receives only the file's variables and merges `env` over them itself.
    validatePredefined: env === undefined,
    // ConfigService answers from the validated variables only, never from raw process.env.
    skipProcessEnv: true,
    validate: (variables) => {
      const merged: Env = env ? { ...variables, ...env } : variables;
      if (readsFile && merged.NODE_ENV?.trim() === 'production') throw new ConfigError([PRODUCTION_FROM_FILE]);
      // @nestjs/config copies what this returns into process.env where unset: the variables, not AppConfig.
      const validated = validateEnv(merged);
      config = buildConfig(validated, inputs);
      return validated;
    },
  });
  return {
    config: config!,
    module: {
      ...module,
      providers: [...(module.providers ?? []), { provide: AppConfig, useValue: config }],
      exports: [...(module.exports ?? []), AppConfig],
    },
  };
}
