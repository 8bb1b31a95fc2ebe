import { CanActivate, ExecutionContext, HttpStatus, Injectable, Module, SetMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { clientIp } from './client-ip';
import { Clock } from './clock';
import { JsonHttpException } from './errors';
import { FixedWindowRateLimiter } from './rate-limiter';

export type RateLimitGroup = 'lookups' | 'writes' | 'auth';
const RATE_LIMIT_GROUP = 'villa:rate-limit-group';
const GROUPS: RateLimitGroup[] = ['lookups', 'writes', 'auth'];

/** Client IPs tracked per group; beyond it the oldest window is dropped (bounded memory under a flood). */
const MAX_TRACKED_CLIENTS = 100_000;

/** Puts a controller or route in a rate-limit group; routes in no group are not limited here. */
export const RateLimit = (group: RateLimitGroup) => SetMetadata(RATE_LIMIT_GROUP, group);

/**
 * One fixed window per group and client IP (see clientIp: the load balancer's header only when
 * TRUST_PROXY is on), shared by the group's routes. A refusal is 429 `{error}` with Retry-After in
 * seconds. O(1) per request: a route's group is looked up once, a client's window is one Map entry.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters: Record<RateLimitGroup, FixedWindowRateLimiter>;
  private readonly groupByHandler = new Map<object, RateLimitGroup | null>();

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    const windowMs = config.rateLimits.windowSeconds * 1000;
    this.limiters = Object.fromEntries(
      GROUPS.map((group) => [group, new FixedWindowRateLimiter(config.rateLimits[group], windowMs, MAX_TRACKED_CLIENTS)]),
    ) as Record<RateLimitGroup, FixedWindowRateLimiter>;
  }

  canActivate(context: ExecutionContext): true {
    const group = this.groupOf(context);
    if (!group) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const verdict = this.limiters[group].hit(clientIp(request, this.config.trustProxy), this.clock.now().getTime());
    if (verdict.allowed) return true;
    throw new JsonHttpException(
      HttpStatus.TOO_MANY_REQUESTS,
      { error: 'Too many requests' },
      { 'retry-after': String(verdict.retryAfterSeconds) },
    );
  }

  private groupOf(context: ExecutionContext): RateLimitGroup | null {
    const handler = context.getHandler();
    let group = this.groupByHandler.get(handler);
    if (group === undefined) {
      group =
        Reflect.getMetadata(RATE_LIMIT_GROUP, handler) ?? Reflect.getMetadata(RATE_LIMIT_GROUP, context.getClass()) ?? null;
      this.groupByHandler.set(handler, group ?? null);
    }
    return group ?? null;
  }
}

@Module({
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
