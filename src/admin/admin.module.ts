import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AdminAuditService } from './admin-audit.service';
import { AdminRateLimiter } from './admin-rate-limiter';
import { MigrationsController } from './migrations.controller';

/** Protected migration routes. The runner comes from the global DatabaseModule. */
@Module({
  controllers: [MigrationsController],
  providers: [
    AdminAuditService,
    {
      provide: AdminRateLimiter,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new AdminRateLimiter(config.admin.rateLimit, config.admin.rateWindowSeconds * 1000),
    },
  ],
})
export class AdminModule {}
