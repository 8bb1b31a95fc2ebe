import { ExecutionContext, Injectable, Module, SetMetadata } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config';
import { clientIp } from './client-ip';

export type RateLimitGroup = 'lookups' | 'writes' | 'auth';
const RATE_LIMIT_GROUP = 'villa:rate-limit-group';

/** Puts a controller or route in a rate-limit group; routes in no group are not limited here. */
export const RateLimit = (group: RateLimitGroup) => SetMetadata(RATE_LIMIT_GROUP, group);

function groupOf(context: ExecutionContext): RateLimitGroup | undefined {
  return (
    Reflect.getMetadata(RATE_LIMIT_GROUP, context.getHandler()) ??
    Reflect.getMetadata(RATE_LIMIT_GROUP, context.getClass())
  );
}

/**
 * @nestjs/throttler with one named limit per group, counted per client IP (see clientIp: the
 * load balancer's header only when TRUST_PROXY is on). One bucket per group and IP, shared by the
 * group's routes. A refusal is 429 `{error}` with Retry-After in seconds.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    context.switchToHttp().getResponse<FastifyReply>().header('retry-after', String(Math.max(1, detail.timeToBlockExpire)));
    await super.throwThrottlingException(context, detail);
  }
}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const ttl = config.rateLimits.windowSeconds * 1000;
        const groups: RateLimitGroup[] = ['lookups', 'writes', 'auth'];
        return {
          throttlers: groups.map((name) => ({
            name,
            ttl,
            limit: config.rateLimits[name],
            skipIf: (context: ExecutionContext) => groupOf(context) !== name,
          })),
          errorMessage: 'Too many requests',
          setHeaders: false,
          getTracker: (req: Record<string, unknown>) => clientIp(req as unknown as FastifyRequest, config.trustProxy),
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
