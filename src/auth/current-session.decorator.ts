import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AuthenticatedSession } from './authenticated-session';
import type { RequestWithSession } from './session.guard';

/** The session SessionGuard admitted; use only on routes behind `@UseGuards(SessionGuard)`. */
export const CurrentSession = createParamDecorator((_data: unknown, context: ExecutionContext): AuthenticatedSession => {
  const session = context.switchToHttp().getRequest<RequestWithSession>().authSession;
  // A route that forgot the guard must fail loudly, not act for nobody.
  if (!session) throw new Error('@CurrentSession() used on a route without SessionGuard');
  return session;
});
