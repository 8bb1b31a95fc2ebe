import { Module } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppConfig } from '../config/app-config';
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
  providers: [
    AuthService,
    SessionService,
    SessionCookie,
    SignatureVerifier,
    // MikroORM repositories (em.getRepository builds the same classes), made here to pass their options.
    { provide: NonceRepository, inject: [EntityManager], useFactory: (em: EntityManager) => new NonceRepository(em) },
    {
      provide: SessionRepository,
      inject: [EntityManager, AppConfig],
      useFactory: (em: EntityManager, config: AppConfig) => new SessionRepository(em, { batchLookups: config.database.batchLookups }),
    },
  ],
  exports: [SessionService, SessionCookie],
})
export class AuthModule {}
