import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { INVALID_ADDRESS } from '../../common/address';

export const AVATAR_STYLES = ['avataaars', 'bottts'] as const;
export const AVATAR_SELECTIONS = ['male', 'female', 'other'] as const;
export const INT32_MAX = 2_147_483_647;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export class AvatarDto {
  @ApiProperty({ enum: AVATAR_STYLES })
  @IsIn(AVATAR_STYLES, { message: `Avatar style must be one of ${AVATAR_STYLES.join(', ')}` })
  style: string;

  @ApiProperty({ enum: AVATAR_SELECTIONS })
  @IsIn(AVATAR_SELECTIONS, { message: `Avatar selection must be one of ${AVATAR_SELECTIONS.join(', ')}` })
  selection: string;

  // class-validator runs decorators bottom-up and stops at the first failure: the type check goes last.
  @ApiProperty({ minimum: 0, maximum: INT32_MAX })
  @Max(INT32_MAX, { message: 'Avatar variant must be between 0 and 2147483647' })
  @Min(0, { message: 'Avatar variant must be between 0 and 2147483647' })
  @IsInt({ message: 'Avatar variant must be an integer' })
  variant: number;
}

export class CreateProfileDto {
  @ApiProperty({ example: '0x1234567890abcdef1234567890abcdef12345678', description: '0x + 40 hex digits, any case' })
  @IsString({ message: INVALID_ADDRESS })
  @Matches(ADDRESS, { message: INVALID_ADDRESS })
  address: string;

  @ApiProperty({ example: 'Alice', description: '3-30 characters: a letter, then letters, digits, _' })
  @IsString({ message: 'Nickname is required' })
  nickname: string;

  @ApiPropertyOptional({
    type: AvatarDto,
    nullable: true,
    description: 'Omitted: keeps the stored avatar (null on create). null: clears it.',
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsObject({ message: 'Avatar must be an object with style, selection and variant' })
  @ValidateNested()
  @Type(() => AvatarDto)
  avatar?: AvatarDto | null;
}

export class UpdateNicknameDto {
  @ApiProperty({ example: '0x1234567890abcdef1234567890abcdef12345678' })
  @IsString({ message: INVALID_ADDRESS })
  @Matches(ADDRESS, { message: INVALID_ADDRESS })
  address: string;

  @ApiProperty({ example: 'Alice2' })
  @IsString({ message: 'Nickname is required' })
  newNickname: string;
}
