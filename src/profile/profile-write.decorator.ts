import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { SessionGuard } from '../auth/session.guard';
import { RateLimit } from '../common/rate-limit';
import { ErrorResponse } from './dto/profile.response';

/**
 * A write to a profile (POST and PATCH /api/profile, the sign-up claim): the writes rate limit, a
 * session by bearer token or cookie (SessionGuard), and the answers every such write documents.
 */
export const ProfileWrite = (): MethodDecorator =>
  applyDecorators(
    RateLimit('writes'),
    UseGuards(SessionGuard),
    ApiBearerAuth(),
    ApiCookieAuth(),
    ApiBadRequestResponse({ type: ErrorResponse }),
    ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Authentication required' }),
    ApiForbiddenResponse({
      description:
        'Session does not match address; Origin not allowed (the session cookie alone, from another origin or none); or the nickname change limit or cooldown: {error, canChangeNickname:false, nextChangeAt?}',
    }),
  );
