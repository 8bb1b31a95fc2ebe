import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class NicknameCheckResponse {
  @ApiProperty() available: boolean;
  @ApiProperty({ description: 'The lowercase form the name is compared by' }) normalized: string;
  @ApiPropertyOptional({ enum: ['taken', 'invalid'] }) reason?: 'taken' | 'invalid';
  @ApiPropertyOptional({ description: 'Why the name is invalid (reason "invalid")' }) error?: string;
  @ApiPropertyOptional({ type: [String], description: 'Free, valid alternatives (reason "taken")' }) suggestions?: string[];
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The first suggestion' }) suggestion?: string | null;
}

export class NicknameLookupResponse {
  @ApiProperty() address: string;
  @ApiProperty() nickname: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'alice-bob.villa.cash',
    description: 'The ENS name: the lowercase nickname with `_` as `-`, under ENS_DOMAIN; null where that label is not ENSIP-15-normalized (`--` in its third and fourth places)',
  })
  ens: string | null;
}
