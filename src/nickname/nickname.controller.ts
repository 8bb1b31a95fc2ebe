import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ETag } from '../common/etag';
import { RateLimit } from '../common/rate-limit';
import { ErrorResponse } from '../profile/dto/profile.response';
import { NicknameCheckResponse, NicknameLookupResponse } from './dto/nickname.response';
import { NicknameService } from './nickname.service';

@ApiTags('nicknames')
@RateLimit('lookups')
@Controller('api/nicknames')
export class NicknameController {
  constructor(private readonly nicknames: NicknameService) {}

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

  @Get('resolve/:nickname')
  @ETag()
  @ApiOkResponse({ type: NicknameLookupResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  resolve(@Param('nickname') nickname: string): Promise<NicknameLookupResponse> {
    return this.nicknames.resolve(nickname);
  }
}
