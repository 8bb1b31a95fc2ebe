import { Module } from '@nestjs/common';
import { AdminAuditService } from './admin-audit.service';
import { MigrationsController } from './migrations.controller';

/** Protected migration routes. The runner comes from the global DatabaseModule. */
@Module({
  controllers: [MigrationsController],
  providers: [AdminAuditService],
})
export class AdminModule {}
