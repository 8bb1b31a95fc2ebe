import { Module } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuthModule } from '../auth/auth.module';
import { AppConfig } from '../config/app-config';
import { WriteTransactions } from '../database/write-transactions';
import { ProfileController } from './profile.controller';
import { ProfileRepository } from './profile.repository';
import { ProfileService } from './profile.service';

@Module({
  // AuthModule provides the SessionService behind SessionGuard on the write routes.
  imports: [AuthModule],
  controllers: [ProfileController],
  providers: [
    ProfileService,
    // A MikroORM repository (em.getRepository(Profile) builds the same class), made here to pass its options.
    {
      provide: ProfileRepository,
      inject: [EntityManager, AppConfig, WriteTransactions],
      useFactory: (em: EntityManager, config: AppConfig, transactions: WriteTransactions) =>
        new ProfileRepository(em, { batchLookups: config.database.batchLookups, transactions }),
    },
  ],
  // The Nickname module reads the same table through this repository, and claims through the service's rules.
  exports: [ProfileRepository, ProfileService],
})
export class ProfileModule {}
