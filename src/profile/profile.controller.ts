import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AuthenticatedSession } from '../auth/authenticated-session';
import { CurrentSession } from '../auth/current-session.decorator';
import { ETag } from '../common/etag';
import { CreateProfileDto, UpdateNicknameDto } from './dto/profile.dto';
import { ErrorResponse, ProfileBatchResponse, ProfileResponse } from './dto/profile.response';
import { ProfileWrite } from './profile-write.decorator';
import { ProfileService } from './profile.service';

@ApiTags('profiles')
@Controller('api')
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Post('profile')
  @ProfileWrite()
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProfileResponse, description: 'Created or updated (201 for both, as before)' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Nickname is already taken' })
  save(@CurrentSession() session: AuthenticatedSession, @Body() dto: CreateProfileDto): Promise<ProfileResponse> {
    return this.profiles.save(session, dto);
  }

  @Patch('profile')
  @ProfileWrite()
  @ApiOkResponse({ type: ProfileResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'This nickname is already taken' })
  changeNickname(@CurrentSession() session: AuthenticatedSession, @Body() dto: UpdateNicknameDto): Promise<ProfileResponse> {
    return this.profiles.changeNickname(session, dto);
  }

  @Get('profile/:address')
  @ETag()
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: ProfileResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  get(@Param('address') address: string): Promise<ProfileResponse> {
    return this.profiles.get(address);
  }

  @Get('profiles')
  @ETag()
  @ApiQuery({ name: 'addresses', description: 'Comma-separated addresses, up to 100, any case', required: true })
  @ApiOkResponse({ type: ProfileBatchResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  getMany(@Query('addresses') addresses?: string | string[]): Promise<ProfileBatchResponse> {
    return this.profiles.getMany(Array.isArray(addresses) ? addresses.join(',') : addresses);
  }
}
