import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiForbiddenResponse, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ETagInterceptor } from '../common/etag.interceptor';
import { RateLimit } from '../common/rate-limit';
import { CreateProfileDto, UpdateNicknameDto } from './dto/profile.dto';
import { ErrorResponse, ProfileBatchResponse, ProfileResponse } from './dto/profile.response';
import { ProfileService } from './profile.service';

@ApiTags('profiles')
@Controller('api')
export class ProfileController {
  constructor(private readonly profiles: ProfileService) {}

  @Post('profile')
  @RateLimit('writes')
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProfileResponse, description: 'Created or updated (201 for both, as before)' })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ description: 'Nickname change limit or cooldown: {error, canChangeNickname:false, nextChangeAt?}' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Nickname is already taken' })
  save(@Body() dto: CreateProfileDto): Promise<ProfileResponse> {
    return this.profiles.save(dto);
  }

  @Patch('profile')
  @RateLimit('writes')
  @ApiOkResponse({ type: ProfileResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiForbiddenResponse({ description: 'Nickname change limit or cooldown: {error, canChangeNickname:false, nextChangeAt?}' })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'This nickname is already taken' })
  changeNickname(@Body() dto: UpdateNicknameDto): Promise<ProfileResponse> {
    return this.profiles.changeNickname(dto);
  }

  @Get('profile/:address')
  @UseInterceptors(ETagInterceptor)
  @ApiHeader({ name: 'If-None-Match', required: false })
  @ApiOkResponse({ type: ProfileResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  get(@Param('address') address: string): Promise<ProfileResponse> {
    return this.profiles.get(address);
  }

  @Get('profiles')
  @UseInterceptors(ETagInterceptor)
  @ApiQuery({ name: 'addresses', description: 'Comma-separated addresses, up to 100, any case', required: true })
  @ApiOkResponse({ type: ProfileBatchResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  getMany(@Query('addresses') addresses?: string | string[]): Promise<ProfileBatchResponse> {
    return this.profiles.getMany(Array.isArray(addresses) ? addresses.join(',') : addresses);
  }
}
