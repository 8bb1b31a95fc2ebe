import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, MikroOrmHealthIndicator } from '@nestjs/terminus';
import { JsonHttpException } from '../common/errors';
import { RETRY_AFTER_SECONDS } from '../common/http-exception.filter';
import { AppConfig } from '../config/app-config';

@ApiTags('health')
@Controller()
export class HealthController {
  private readonly pingTimeoutMs: number;

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: MikroOrmHealthIndicator,
    config: AppConfig,
  ) {
    this.pingTimeoutMs = Math.min(config.database.connectTimeoutMs, 3000);
  }

  /** Liveness: the process answers. Never touches the database, so a database blip does not restart it. */
  @Get('health')
  @ApiOkResponse({ description: '{status:"ok", timestamp}' })
  live(): { status: 'ok'; timestamp: string } {
    return { status: 'ok', timestamp: new Date().toISOString() };
  }

  /** The contract's probe path, kept for existing monitors and e2e suites. */
  @Get('api/health')
  @ApiOkResponse({ description: '{status:"ok", timestamp}' })
  legacy(): { status: 'ok'; timestamp: string } {
    return this.live();
  }

  /** Readiness: the database answers a query within the timeout. */
  @Get('health/ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'The database answers' })
  @ApiServiceUnavailableResponse({ description: '{error:"Database not available", status:"error", …}' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: this.pingTimeoutMs })]);
    } catch (err) {
      const result = (err as { response?: object }).response ?? {};
      throw new JsonHttpException(
        HttpStatus.SERVICE_UNAVAILABLE,
        // Terminus's own `error` (the per-indicator details) must not replace the contract's sentence.
        { ...result, error: 'Database not available' },
        { 'retry-after': RETRY_AFTER_SECONDS },
      );
    }
  }
}
