import { Body, Controller, Get, HttpCode, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Hex } from 'viem';
import { RateLimit } from '../common/rate-limit';
import { ErrorResponse } from '../profile/dto/profile.response';
import { AuthService } from './auth.service';
import { AuthenticatedSession } from './authenticated-session';
import { CurrentSession } from './current-session.decorator';
import { LogoutResponse, NonceResponse, SessionResponse, TokenResponse } from './dto/auth.response';
import { VerifyDto } from './dto/verify.dto';
import { SESSION_COOKIE, SessionCookie } from './session-cookie';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
  ) {}

  @Post('nonce')
  @RateLimit('auth')
  @ApiCreatedResponse({ type: NonceResponse })
  issueNonce(): Promise<NonceResponse> {
    return this.auth.issueNonce();
  }

  @Post('verify')
  @RateLimit('auth')
  @HttpCode(200)
  @ApiOkResponse({
    type: TokenResponse,
    headers: { 'set-cookie': { description: `${SESSION_COOKIE}=<the same token>; Path=/api; HttpOnly; SameSite=Lax (Secure in production), for the session's lifetime` } },
  })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not an EIP-4361 message in full (its ABNF), or a signature that is not hex' })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Refused: domain, URI, chain, times, nonce (unknown, used, expired, too many attempts) or signature' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'The chain RPC failed while checking a smart-account signature' })
  async verify(@Body() dto: VerifyDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<TokenResponse> {
    const issued = await this.auth.verify(dto.message, dto.signature as Hex);
    this.cookie.set(reply, issued.token, issued.expiresAt);
    return issued;
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOkResponse({ type: LogoutResponse, description: 'The session is revoked and the cookie cleared' })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Origin not allowed (a cookie-authenticated write from another origin, or with none)' })
  async logout(@CurrentSession() session: AuthenticatedSession, @Res({ passthrough: true }) reply: FastifyReply): Promise<LogoutResponse> {
    await this.sessions.revoke(session);
    this.cookie.clear(reply);
    return { success: true };
  }

  @Get('session')
  @UseGuards(SessionGuard)
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiQuery({ name: 'address', required: false, description: 'Answer 403 unless the session belongs to this address (e.g. the wallet now connected)' })
  @ApiOkResponse({ type: SessionResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Session does not match address' })
  session(@CurrentSession() session: AuthenticatedSession, @Query('address') address?: string): SessionResponse {
    return this.sessions.describe(session, address);
  }
}
