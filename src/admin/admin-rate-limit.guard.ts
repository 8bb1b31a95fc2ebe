import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { clientIp } from '../common/client-ip';
import { Clock } from '../common/clock';
import { JsonHttpException } from '../common/errors';
import { FixedWindowRateLimiter } from '../common/rate-limiter';
import { AppConfig } from '../config/app-config';
import { AdminAuditService } from './admin-audit.service';

/**
 * At most ADMIN_RATE_LIMIT attempts per client IP per ADMIN_RATE_WINDOW_SECONDS on the admin routes.
 * Runs before the secret check, so every attempt counts, right or wrong: guessing stays slow.
 */
@Injectable()
export class AdminRateLimitGuard implements CanActivate {
  private readonly limiter: FixedWindowRateLimiter;

  constructor(
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AdminAuditService,
  ) {
    this.limiter = new FixedWindowRateLimiter(config.admin.rateLimit, config.admin.rateWindowSeconds * 1000);
  }

  canActivate(context: ExecutionContext): true {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const verdict = this.limiter.hit(clientIp(request, this.config.trustProxy), this.clock.now().getTime());
    if (verdict.allowed) return true;
    this.audit.record(request, 'throttled');
    throw new JsonHttpException(
      HttpStatus.TOO_MANY_REQUESTS,
      { error: 'Too many requests' },
      { 'retry-after': String(verdict.retryAfterSeconds) },
    );
  }
}
