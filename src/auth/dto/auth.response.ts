import { ApiProperty } from '@nestjs/swagger';

export class NonceResponse {
  @ApiProperty({ description: 'Put it in the SIWE message; single use', example: '3f9c2a7d0b5e4c1a9e8d7c6b5a4f3e2d' }) nonce: string;
  @ApiProperty({ format: 'date-time', description: 'Ten minutes after issue' }) expiresAt: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <token>`; a browser on the frontend\'s origin can rely on the session cookie set with it instead' }) token: string;
  @ApiProperty({ description: 'The signed-in address, lowercase' }) address: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class SessionResponse {
  @ApiProperty({ description: 'lowercase' }) address: string;
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class LogoutResponse {
  @ApiProperty({ enum: [true] }) success: true;
}
