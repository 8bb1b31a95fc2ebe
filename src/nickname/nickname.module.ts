import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ProfileModule } from '../profile/profile.module';
import { NicknameController } from './nickname.controller';
import { NicknameService } from './nickname.service';

@Module({
  // AuthModule: SessionGuard on the claim route.
  imports: [ProfileModule, AuthModule],
  controllers: [NicknameController],
  providers: [NicknameService],
})
export class NicknameModule {}
