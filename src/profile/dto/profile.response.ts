import { ApiProperty } from '@nestjs/swagger';
import { AVATAR_SELECTIONS, AVATAR_STYLES } from './profile.dto';

export class AvatarResponse {
  @ApiProperty({ enum: AVATAR_STYLES }) style: string;
  @ApiProperty({ enum: AVATAR_SELECTIONS }) selection: string;
  @ApiProperty() variant: number;
}

/** The contract's profile object: every profile response has exactly these fields. */
export class ProfileResponse {
  @ApiProperty({ description: 'lowercase' }) address: string;
  @ApiProperty({ type: String, nullable: true }) nickname: string | null;
  @ApiProperty({ type: String, nullable: true }) nicknameNormalized: string | null;
  @ApiProperty({ type: AvatarResponse, nullable: true }) avatar: AvatarResponse | null;
  @ApiProperty() nicknameChangeCount: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastNicknameChange: string | null;
  @ApiProperty() canChangeNickname: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ProfileBatchResponse {
  @ApiProperty({ type: [ProfileResponse], description: 'In the order the addresses were asked for' })
  profiles: ProfileResponse[];
  @ApiProperty({ type: [String], description: 'Requested addresses (lowercase) with no profile' })
  missing: string[];
}

export class ErrorResponse {
  @ApiProperty({ example: 'Invalid address format' }) error: string;
}
