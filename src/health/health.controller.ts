import { Controller, Get, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { JsonHttpException } from '../common/errors';
import { RETRY_AFTER_SECONDS } from '../common/http-exception.filter';
import { DatabaseProbe, ProbeTimeoutError } from '../database/database-probe';
import { packageVersion } from './package-version';

const VERSION = packageVersion();

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly probe: DatabaseProbe,
  ) {}

  /** Liveness: the process answers. Never touches the database, so a database blip does not restart it. */
  @Get('health')
  @ApiOkResponse({ description: '{status:"ok", timestamp}' })
  live(): { status: 'ok'; timestamp: string } {
    return { status: 'ok', timestamp: new Date().toISOString() };
  }

  /** The contract's probe path, kept for existing monitors and e2e suites; the old route also gave the version. */
  @Get('api/health')
  @ApiOkResponse({ description: '{status:"ok", timestamp, version} (version: package.json\'s)' })
  legacy(): { status: 'ok'; timestamp: string; version: string } {
    return { ...this.live(), version: VERSION };
  }

  /** The old route's database check, answered by the readiness probe (its own kept-open connection). */
  @Get('api/health/db')
  @ApiOkResponse({ description: '{status:"healthy"}' })
  @ApiServiceUnavailableResponse({ description: '{status:"unhealthy", error:"Database not available"}, with Retry-After' })
  async legacyDatabase(): Promise<{ status: 'healthy' }> {
    try {
      await this.probe.ping();
    } catch {
      // Never the driver's message: a public route, and the old one's terms.
      throw new JsonHttpException(
        HttpStatus.SERVICE_UNAVAILABLE,
        { status: 'unhealthy', error: 'Database not available' },
        { 'retry-after': RETRY_AFTER_SECONDS },
      );
    }
    return { status: 'healthy' };
  }

  /** Readiness: the database answers a query within the timeout, on the probe's own connection. */
  @Get('health/ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'The database answers' })
  @ApiServiceUnavailableResponse({ description: '{error:"Database not available", status:"error", …}' })
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.database()]);
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

  private async database(): Promise<HealthIndicatorResult<'database'>> {
    const check = this.indicators.check('database');
    try {
      await this.probe.ping();
      return check.up();
    } catch (err) {
      // A public route: it says the probe timed out, never a driver message (host names, addresses).
      return err instanceof ProbeTimeoutError ? check.down({ message: err.message }) : check.down();
    }
  }
}
