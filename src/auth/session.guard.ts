import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JsonHttpException } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { AuthenticatedSession } from './authenticated-session';
import { isAllowedOrigin, OriginPolicy } from './origin.rules';
import { SessionCookie } from './session-cookie';
import { bearerToken, SessionService } from './session.service';

export const AUTH_REQUIRED = 'Authentication required';
export const ORIGIN_NOT_ALLOWED = 'Origin not allowed';

/** Methods that write nothing: a cookie is enough for them, whatever the Origin. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Where the guard leaves the session for `@CurrentSession()`. */
export type RequestWithSession = FastifyRequest & { authSession?: AuthenticatedSession };

/**
 * Admits a request bearing a live session: `Authorization: Bearer <token>`, or the session cookie
 * that sign-in sets, or both naming the same session. Missing, malformed, forged, expired and
 * revoked tokens, and two tokens naming two sessions, all get the same 401. A write authenticated
 * by the cookie alone must come from an allowed frontend origin, else 403: a browser attaches the
 * cookie to requests other sites make, never the bearer token.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  private readonly origins: OriginPolicy;

  constructor(
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
    config: AppConfig,
  ) {
    this.origins = {
      hosts: new Set(config.auth.siweDomains),
      origins: new Set(config.corsOrigins.map((origin) => origin.toLowerCase())),
      loopbackHttp: !config.isProduction,
    };
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithSession>();
    const found = await this.sessions.authenticate({ bearer: bearerToken(request.headers.authorization), cookie: this.cookie.read(request) });
    if (!found) {
      throw new JsonHttpException(HttpStatus.UNAUTHORIZED, { error: AUTH_REQUIRED }, { 'www-authenticate': 'Bearer' });
    }
    if (found.via === 'cookie' && !SAFE_METHODS.has(request.method) && !isAllowedOrigin(request.headers.origin, this.origins)) {
      throw new JsonHttpException(HttpStatus.FORBIDDEN, { error: ORIGIN_NOT_ALLOWED });
    }
    request.authSession = found.session;
    return true;
  }
}
