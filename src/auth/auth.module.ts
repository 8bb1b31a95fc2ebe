import { Module } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { NonceRepository } from './nonce.repository';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';
import { SignatureVerifier } from './signature-verifier.service';

/** Sign-In with Ethereum. Exports SessionService so another module's routes can use SessionGuard. */
@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionService,
    SignatureVerifier,
    // MikroORM repositories (em.getRepository builds the same classes), made here to pass their options.
    { provide: NonceRepository, inject: [EntityManager], useFactory: (em: EntityManager) => new NonceRepository(em) },
    {
      provide: SessionRepository,
      inject: [EntityManager, AppConfig],
      useFactory: (em: EntityManager, config: AppConfig) => new SessionRepository(em, { batchLookups: config.database.batchLookups }),
    },
  ],
  exports: [SessionService],
})
export class AuthModule {}
