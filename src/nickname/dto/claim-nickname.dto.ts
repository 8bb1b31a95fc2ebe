import { PickType } from '@nestjs/swagger';
import { CreateProfileDto } from '../../profile/dto/profile.dto';

/** The sign-up component's claim: POST /api/profile without an avatar (the stored one is kept). */
export class ClaimNicknameDto extends PickType(CreateProfileDto, ['address', 'nickname'] as const) {}
