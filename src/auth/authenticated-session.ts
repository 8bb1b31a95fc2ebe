import { HttpStatus } from '@nestjs/common';
import { JsonHttpException } from '../common/errors';

/** The session SessionGuard attached to the request: who the caller proved to be. */
export interface AuthenticatedSession {
  id: string;
  /** Lowercase. */
  address: string;
  /** ISO-8601, UTC. */
  expiresAt: string;
}

export const SESSION_MISMATCH = 'Session does not match address';

/** A write to `address` is allowed only to the wallet that signed in: otherwise 403. Any case matches. */
export function assertSessionOwns(session: AuthenticatedSession, address: string): void {
  if (session.address !== address.toLowerCase()) {
    throw new JsonHttpException(HttpStatus.FORBIDDEN, { error: SESSION_MISMATCH });
  }
}
