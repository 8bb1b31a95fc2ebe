import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ProfileController } from './profile.controller';
import { ProfileRepository } from './profile.repository';
import { ProfileService } from './profile.service';

@Module({
  // AuthModule provides the SessionService behind SessionGuard on the write routes.
  imports: [AuthModule],
  controllers: [ProfileController],
  providers: [ProfileService, ProfileRepository],
  // The Nickname module reads the same table through the repository, and claims through the service's rules.
  exports: [ProfileRepository, ProfileService],
})
export class ProfileModule {}
