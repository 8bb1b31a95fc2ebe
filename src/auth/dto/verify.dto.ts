import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';

export const MAX_MESSAGE_LENGTH = 4096;
/** Room for a smart-account signature (WebAuthn data, ERC-6492 factory calldata) within the body limit. */
export const MAX_SIGNATURE_HEX_LENGTH = 12_000;
export const MALFORMED_SIGNATURE = 'Malformed signature: expected 0x-prefixed hex bytes';

export class VerifyDto {
  @ApiProperty({
    description: 'The EIP-4361 (SIWE) message exactly as signed, with a nonce from POST /api/auth/nonce',
    example:
      'localhost:3000 wants you to sign in with your Ethereum account:\n0x…\n\nURI: http://localhost:3000\nVersion: 1\nChain ID: 8453\nNonce: …\nIssued At: 2026-01-01T00:00:00.000Z',
  })
  @IsString({ message: 'message is required' })
  @MaxLength(MAX_MESSAGE_LENGTH, { message: `message must be ${MAX_MESSAGE_LENGTH} characters or less` })
  message: string;

  @ApiProperty({ description: 'personal_sign (EIP-191) signature of the message: 65 bytes for an EOA, longer for a smart account', example: '0x…' })
  @IsString({ message: MALFORMED_SIGNATURE })
  @Matches(/^0x(?:[0-9a-fA-F]{2})+$/, { message: MALFORMED_SIGNATURE })
  @MaxLength(MAX_SIGNATURE_HEX_LENGTH, { message: MALFORMED_SIGNATURE })
  signature: string;
}
