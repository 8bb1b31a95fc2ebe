import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { NonceRepository } from './nonce.repository';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { SignatureVerifier } from './signature-verifier.service';

/** Sign-In with Ethereum. Exports SessionService so another module's routes can use SessionGuard. */
@Module({
  controllers: [AuthController],
  providers: [AuthService, SessionService, SignatureVerifier, NonceRepository, SessionRepository],
  exports: [SessionService],
})
export class AuthModule {}
