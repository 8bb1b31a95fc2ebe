import { Controller, Get, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiInternalServerErrorResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { MigrationRunner } from '../database/migration-runner';
import { ErrorResponse } from '../profile/dto/profile.response';
import { AdminAuditInterceptor } from './admin-audit.interceptor';
import { AdminRateLimitGuard } from './admin-rate-limit.guard';
import { AdminSecretGuard } from './admin-secret.guard';
import { MigrateResponse, MigrationFailedResponse, MigrationRunResponse, MigrationStatusResponse } from './dto/migration.response';

/**
 * Admin migrations over HTTP, through the same runner (and advisory lock) as the CLI and the boot path.
 * The secret goes in `x-migrate-secret` or `Authorization: Bearer <secret>`.
 */
@ApiTags('admin')
@ApiSecurity('migrate-secret')
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing or wrong secret: {error:"Unauthorized"}' })
@ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Too many attempts from this IP; see Retry-After' })
@ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'MIGRATE_SECRET is not set: {error:"Not configured"}' })
@UseGuards(AdminRateLimitGuard, AdminSecretGuard)
@UseInterceptors(AdminAuditInterceptor)
@Controller('api')
export class MigrationsController {
  constructor(private readonly runner: MigrationRunner) {}

  @Post('db/migrate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply pending migrations (the contract route)' })
  @ApiOkResponse({ type: MigrateResponse })
  @ApiInternalServerErrorResponse({ type: MigrationFailedResponse })
  async migrate(): Promise<MigrateResponse> {
    const run = await this.runner.up();
    return { success: true, message: 'Migration completed', ...run };
  }

  @Get('admin/migrations')
  @ApiOperation({ summary: 'Executed migrations (with times) and pending ones' })
  @ApiOkResponse({ type: MigrationStatusResponse })
  status(): Promise<MigrationStatusResponse> {
    return this.runner.status();
  }

  @Post('admin/migrations/up')
  @HttpCode(200)
  @ApiOperation({ summary: 'Apply pending migrations' })
  @ApiOkResponse({ type: MigrationRunResponse })
  @ApiInternalServerErrorResponse({ type: MigrationFailedResponse })
  up(): Promise<MigrationRunResponse> {
    return this.runner.up();
  }
}
