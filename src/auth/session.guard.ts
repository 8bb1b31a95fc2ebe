import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JsonHttpException } from '../common/errors';
import { AuthenticatedSession } from './authenticated-session';
import { SessionService } from './session.service';

export const AUTH_REQUIRED = 'Authentication required';

/** Where the guard leaves the session for `@CurrentSession()`. */
export type RequestWithSession = FastifyRequest & { authSession?: AuthenticatedSession };

/**
 * Admits a request bearing a live session token (`Authorization: Bearer <token>`). Missing,
 * malformed, forged, expired and revoked tokens all get the same 401.
 */
@Injectable()
export class SessionGuard implements CanActivate {
  constructor(private readonly sessions: SessionService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<RequestWithSession>();
    const session = await this.sessions.authenticate(request.headers.authorization);
    if (!session) {
      throw new JsonHttpException(HttpStatus.UNAUTHORIZED, { error: AUTH_REQUIRED }, { 'www-authenticate': 'Bearer' });
    }
    request.authSession = session;
    return true;
  }
}
