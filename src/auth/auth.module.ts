import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthNonce } from './nonce.entity';
import { AuthSession } from './session.entity';
import { SessionService } from './session.service';
import { SignatureVerifier } from './signature-verifier.service';

/** Sign-In with Ethereum. Exports SessionService so another module's routes can use SessionGuard. */
@Module({
  imports: [MikroOrmModule.forFeature([AuthNonce, AuthSession])],
  controllers: [AuthController],
  providers: [AuthService, SessionService, SignatureVerifier],
  exports: [SessionService],
})
export class AuthModule {}
