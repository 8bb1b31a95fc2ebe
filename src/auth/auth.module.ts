import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { NonceRepository } from './nonce.repository';
import { SessionCookie } from './session-cookie';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { SignatureVerifier } from './signature-verifier.service';

/** Sign-In with Ethereum. Exports what SessionGuard needs, so another module's routes can use it. */
@Module({
  controllers: [AuthController],
  providers: [AuthService, SessionService, SessionCookie, SignatureVerifier, NonceRepository, SessionRepository],
  exports: [SessionService, SessionCookie],
})
export class AuthModule {}
