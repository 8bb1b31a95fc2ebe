import { Module } from '@nestjs/common';
import { ProfileModule } from '../profile/profile.module';
import { NicknameController } from './nickname.controller';
import { NicknameService } from './nickname.service';

@Module({
  imports: [ProfileModule],
  controllers: [NicknameController],
  providers: [NicknameService],
})
export class NicknameModule {}
