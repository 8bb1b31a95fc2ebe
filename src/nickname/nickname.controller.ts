import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AuthenticatedSession } from '../auth/authenticated-session';
import { CurrentSession } from '../auth/current-session.decorator';
import { ETag } from '../common/etag';
import { RateLimit } from '../common/rate-limit';
import { ErrorResponse, ProfileResponse } from '../profile/dto/profile.response';
import { ProfileWrite } from '../profile/profile-write.decorator';
import { ProfileService } from '../profile/profile.service';
import { ClaimNicknameDto } from './dto/claim-nickname.dto';
import { NicknameCheckResponse, NicknameLookupResponse } from './dto/nickname.response';
import { NicknameService } from './nickname.service';

@ApiTags('nicknames')
@RateLimit('lookups')
@Controller('api/nicknames')
export class NicknameController {
  constructor(
    private readonly nicknames: NicknameService,
    private readonly profiles: ProfileService,
  ) {}

  @Get('check/:nickname')
  @ApiOkResponse({ type: NicknameCheckResponse })
  check(@Param('nickname') nickname: string): Promise<NicknameCheckResponse> {
    return this.nicknames.check(nickname);
  }

  @Get('check')
  @ApiQuery({ name: 'nickname', required: true })
  @ApiOkResponse({ type: NicknameCheckResponse })
  checkByQuery(@Query('nickname') nickname?: string): Promise<NicknameCheckResponse> {
    return this.nicknames.check(typeof nickname === 'string' ? nickname : undefined);
  }

  @Get('reverse/:address')
  @ETag()
  @ApiOkResponse({ type: NicknameLookupResponse })
  @ApiNotFoundResponse({ description: 'No nickname for this address: the body is `null`' })
  reverse(@Param('address') address: string): Promise<NicknameLookupResponse> {
    return this.nicknames.reverse(address);
  }

  /** The frontend's sign-up component asks this one to find a returning user. */
  @Get('address/:address')
  @ETag()
  @ApiOkResponse({ type: NicknameLookupResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Nickname not found' })
  address(@Param('address') address: string): Promise<NicknameLookupResponse> {
    return this.nicknames.address(address);
  }

  @Get('resolve/:nickname')
  @ETag()
  @ApiOkResponse({ type: NicknameLookupResponse, description: 'By nickname in any case, or by its full ENS name under ENS_DOMAIN (alice-bob.villa.cash)' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  resolve(@Param('nickname') nickname: string): Promise<NicknameLookupResponse> {
    return this.nicknames.resolve(nickname);
  }

  /** The sign-up component's claim: the rules of POST /api/profile, the stored avatar kept. */
  @Post('claim')
  @ProfileWrite()
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProfileResponse, description: 'The nickname claimed or changed (201 for both, as POST /api/profile)' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Nickname is already taken' })
  claim(@CurrentSession() session: AuthenticatedSession, @Body() dto: ClaimNicknameDto): Promise<ProfileResponse> {
    return this.profiles.save(session, dto);
  }
}
