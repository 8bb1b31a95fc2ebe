import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';

export const SESSION_COOKIE = 'villa_session';
/** Every route that takes a session is under /api; nothing else on the frontend's origin sees the cookie. */
export const SESSION_COOKIE_PATH = '/api';

/**
 * The session cookie: the same token as the bearer one, `HttpOnly` (no script reads it),
 * `SameSite=Lax` (not sent on cross-site writes), `Secure` in production, host-only, for the
 * session's lifetime. The frontend calls the API on its own origin, so after one sign-in its
 * existing `fetch('/api/…')` calls carry it without a change.
 */
@Injectable()
export class SessionCookie {
  private readonly secure: boolean;

  constructor(
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.secure = config.isProduction;
  }

  set(reply: FastifyReply, token: string, expiresAt: string): void {
    // Whole seconds, as the token's own iat/exp: Max-Age is then exactly the session's lifetime.
    const maxAge = Math.max(0, Math.floor(Date.parse(expiresAt) / 1000) - Math.floor(this.clock.now().getTime() / 1000));
    reply.setCookie(SESSION_COOKIE, token, { ...this.attributes(), maxAge, expires: new Date(expiresAt) });
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, this.attributes());
  }

  /**
   * The token the request's cookie holds: undefined when there is none, null when it is unusable —
   * sent twice (another path or a parent domain can add a second one: cookie tossing), so which
   * session it names is ambiguous.
   */
  read(request: FastifyRequest): string | null | undefined {
    const header = request.headers.cookie;
    if (!header) return undefined;
    const value = request.server.parseCookie(header)[SESSION_COOKIE];
    if (!value) return undefined;
    return header.split(';').filter((pair) => pair.trimStart().startsWith(`${SESSION_COOKIE}=`)).length > 1 ? null : value;
  }

  private attributes() {
    return { path: SESSION_COOKIE_PATH, httpOnly: true, sameSite: 'lax', secure: this.secure } as const;
  }
}
