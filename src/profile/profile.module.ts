import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AuthModule } from '../auth/auth.module';
import { Profile } from './profile.entity';
import { ProfileController } from './profile.controller';
import { ProfileService } from './profile.service';

@Module({
  // AuthModule provides the SessionService behind SessionGuard on the write routes.
  imports: [MikroOrmModule.forFeature([Profile]), AuthModule],
  controllers: [ProfileController],
  providers: [ProfileService],
  // The Nickname module reads the same table through this repository.
  exports: [MikroOrmModule],
})
export class ProfileModule {}
