import { createSecretKey, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { parseAddress } from '../common/address';
import { Clock } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { assertSessionOwns, AuthenticatedSession } from './authenticated-session';
import { SessionRepository } from './session.repository';

const ISSUER = 'villa-profile-api';
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;

/**
 * The tokens a request carries. For each place: undefined when it holds none, null when it holds
 * something that cannot be a token (a `Bearer` header without one, a cookie sent twice).
 */
export interface SessionCredentials {
  bearer: string | null | undefined;
  cookie: string | null | undefined;
}

/** Who the request proved to be, and how: a cookie-only write must also pass the Origin rule. */
export interface Authentication {
  session: AuthenticatedSession;
  via: 'bearer' | 'cookie';
}

/** The token of an `Authorization: Bearer …` header; undefined for no header or another scheme (an edge's Basic auth). */
export function bearerToken(authorization: string | undefined): string | null | undefined {
  if (!authorization || !/^bearer(?:[ \t]|$)/i.test(authorization)) return undefined;
  return BEARER.exec(authorization)?.[1] ?? null;
}

export interface IssuedSession {
  token: string;
  address: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
}

interface SessionClaims {
  sid: string;
  sub: string;
}

const isSessionClaims = (payload: unknown): payload is SessionClaims => {
  const p = payload as Partial<SessionClaims> | null;
  return typeof p?.sid === 'string' && UUID.test(p.sid) && typeof p.sub === 'string' && ADDRESS.test(p.sub);
};

/**
 * Sessions: a row in PostgreSQL plus an HS256 JWT naming it. The JWT alone is never enough: the row
 * must exist, be unrevoked and unexpired, so logout is real. Time comes from the app's clock.
 */
@Injectable()
export class SessionService {
  private readonly logger = new Logger('Auth');
  /**
   * A KeyObject, not the raw bytes: given a string or Buffer, jsonwebtoken first tries to parse it as
   * a PEM public key (and throws) on every sign and verify — a third of a write's CPU time.
   */
  private readonly key: KeyObject;
  private readonly ttlSeconds: number;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.ttlSeconds = config.auth.sessionTtlSeconds;
    const secret = config.auth.sessionSecret;
    // Production requires SESSION_SECRET (config refuses to boot without it); never a fixed default.
    this.key = createSecretKey(secret ? Buffer.from(secret, 'utf8') : randomBytes(32));
    if (!secret) {
      this.logger.warn('SESSION_SECRET is not set: sessions are signed with a random per-process key and end when the process restarts');
    }
  }

  /** Opens a session for `address` (lowercase), ending after the TTL or at `notAfter`, whichever is first. */
  async start(address: string, notAfter: Date | null): Promise<IssuedSession> {
    const now = this.clock.now();
    const iat = Math.floor(now.getTime() / 1000);
    const cap = notAfter ? Math.floor(notAfter.getTime() / 1000) : Number.POSITIVE_INFINITY;
    const exp = Math.min(iat + this.ttlSeconds, cap);
    const id = randomUUID();
    const expiresAt = new Date(exp * 1000);

    await this.sessions.purgeExpiredBefore(now);
    await this.sessions.open({ id, address, createdAt: now, expiresAt });
    const token = jwt.sign({ sid: id, sub: address, iat, exp } satisfies SessionClaims & { iat: number; exp: number }, this.key, {
      algorithm: 'HS256',
      issuer: ISSUER,
    });
    return { token, address, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The live session the request's tokens name, or null: no token, an unusable or forged one, an
   * expired or revoked session, or a bearer token and a cookie that name two different sessions.
   */
  async authenticate({ bearer, cookie }: SessionCredentials): Promise<Authentication | null> {
    if (bearer === null || cookie === null || (bearer === undefined && cookie === undefined)) return null;
    const now = this.clock.now();
    const claims = [bearer, cookie].filter((token): token is string => token !== undefined).map((token) => this.claimsOf(token, now));
    const [first, second] = claims;
    if (!first || (claims.length === 2 && (!second || second.sid !== first.sid || second.sub !== first.sub))) return null;
    const row = await this.sessions.findActive(first.sid, now);
    if (!row || row.address !== first.sub) return null;
    return { session: { id: row.id, address: row.address, expiresAt: row.expiresAt }, via: bearer === undefined ? 'cookie' : 'bearer' };
  }

  private claimsOf(token: string, now: Date): SessionClaims | null {
    try {
      const claims = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        clockTimestamp: Math.floor(now.getTime() / 1000),
      });
      return isSessionClaims(claims) ? claims : null;
    } catch {
      return null;
    }
  }

  /** Who the session is; with `address`, 403 unless it is that address's session. */
  describe(session: AuthenticatedSession, address?: string): { address: string; sessionId: string; expiresAt: string } {
    if (address !== undefined) assertSessionOwns(session, parseAddress(address));
    return { address: session.address, sessionId: session.id, expiresAt: session.expiresAt };
  }

  async revoke(session: AuthenticatedSession): Promise<void> {
    await this.sessions.revoke(session.id, this.clock.now());
  }
}
