import { DynamicModule, Module } from '@nestjs/common';
import { MIGRATIONS } from '../migrations';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { Clock, ClockModule } from './common/clock';
import { RateLimitModule } from './common/rate-limit';
import { LoadedConfig } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { MigrationEntry } from './database/migration-runner';
import { HealthModule } from './health/health.module';
import { NicknameModule } from './nickname/nickname.module';
import { ProfileModule } from './profile/profile.module';

export interface AppModuleOptions {
  /** The migrations the runner knows; tests swap in their own list. */
  migrations?: MigrationEntry[];
  /** The source of "now" for the nickname rules; the system clock by default. */
  clock?: Clock;
}

@Module({})
export class AppModule {
  /** `config.database.url` must be resolved (embedded or real) before the module is built. */
  static forRoot({ module: configModule }: LoadedConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        configModule,
        ClockModule.forRoot(options.clock),
        DatabaseModule.forRoot(options.migrations ?? MIGRATIONS),
        RateLimitModule,
        HealthModule,
        ProfileModule,
        NicknameModule,
        AdminModule,
        AuthModule,
      ],
    };
  }
}
