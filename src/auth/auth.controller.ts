import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiQuery,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Hex } from 'viem';
import { RateLimit } from '../common/rate-limit';
import { ErrorResponse } from '../profile/dto/profile.response';
import { AuthService } from './auth.service';
import { AuthenticatedSession } from './authenticated-session';
import { CurrentSession } from './current-session.decorator';
import { LogoutResponse, NonceResponse, SessionResponse, TokenResponse } from './dto/auth.response';
import { VerifyDto } from './dto/verify.dto';
import { SessionGuard } from './session.guard';
import { SessionService } from './session.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionService,
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
  @ApiOkResponse({ type: TokenResponse })
  @ApiBadRequestResponse({ type: ErrorResponse, description: 'Not an EIP-4361 message in full (its ABNF), or a signature that is not hex' })
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Refused: domain, URI, chain, times, nonce (unknown, used, expired, too many attempts) or signature' })
  @ApiServiceUnavailableResponse({ type: ErrorResponse, description: 'The chain RPC failed while checking a smart-account signature' })
  verify(@Body() dto: VerifyDto): Promise<TokenResponse> {
    return this.auth.verify(dto.message, dto.signature as Hex);
  }

  @Post('logout')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  @ApiBearerAuth()
  @ApiOkResponse({ type: LogoutResponse })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  async logout(@CurrentSession() session: AuthenticatedSession): Promise<LogoutResponse> {
    await this.sessions.revoke(session);
    return { success: true };
  }

  @Get('session')
  @UseGuards(SessionGuard)
  @ApiBearerAuth()
  @ApiQuery({ name: 'address', required: false, description: 'Answer 403 unless the session belongs to this address (e.g. the wallet now connected)' })
  @ApiOkResponse({ type: SessionResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiUnauthorizedResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Session does not match address' })
  session(@CurrentSession() session: AuthenticatedSession, @Query('address') address?: string): SessionResponse {
    return this.sessions.describe(session, address);
  }
}
