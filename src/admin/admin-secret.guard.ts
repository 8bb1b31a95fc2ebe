import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
// Default import: calls go through the module object itself, where a test's spy can see them.
import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { JsonHttpException } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AdminAuditService } from './admin-audit.service';

const BEARER = /^Bearer[ \t]+(.*)$/i;

/** The presented secret's bytes: `x-migrate-secret`, else `Authorization: Bearer …`, else empty. */
function presentedSecret(headers: FastifyRequest['headers']): Buffer {
  const direct = headers['x-migrate-secret'];
  const bearer = BEARER.exec(headers.authorization ?? '')?.[1];
  // Node decodes header bytes as latin1; this recovers the bytes sent (UTF-8 for a non-ASCII secret).
  return Buffer.from(typeof direct === 'string' ? direct : (bearer ?? ''), 'latin1');
}

/**
 * Admits a request that presents MIGRATE_SECRET. Both values are reduced to HMAC-SHA256 digests (a
 * per-process key) and compared with `timingSafeEqual`: equal-length buffers by construction, so
 * nothing depends on the presented value's length or content before that single comparison.
 * Missing, empty and wrong secrets all get the same 401. No secret configured: 503, never a comparison.
 */
@Injectable()
export class AdminSecretGuard implements CanActivate {
  private readonly key = crypto.randomBytes(32);
  /** Only the digest of the configured secret is kept; null when none is configured. */
  private readonly expected: Buffer | null;

  constructor(
    config: AppConfig,
    private readonly audit: AdminAuditService,
  ) {
    const secret = config.admin.migrateSecret;
    // Refused outright rather than compared: the digests of two empty strings are equal.
    this.expected = secret ? this.digest(Buffer.from(secret, 'utf8')) : null;
  }

  canActivate(context: ExecutionContext): true {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.expected === null) {
      this.audit.record(request, 'not_configured');
      throw new JsonHttpException(HttpStatus.SERVICE_UNAVAILABLE, { error: 'Not configured' });
    }
    if (!crypto.timingSafeEqual(this.digest(presentedSecret(request.headers)), this.expected)) {
      this.audit.record(request, 'unauthorized');
      throw new JsonHttpException(HttpStatus.UNAUTHORIZED, { error: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    }
    return true;
  }

  private digest(value: Buffer): Buffer {
    return crypto.createHmac('sha256', this.key).update(value).digest();
  }
}
