import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, RateLimitModule, type ServiceInfo } from '@flash-sale/common';
import type { UserServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';
import { UserEntity } from './users/user.entity.js';
import { TokensModule } from './tokens/tokens.module.js';
import { UsersModule } from './users/users.module.js';
import { usersRateLimitRules } from './users/users.rate-limits.js';

@Module({})
export class AppModule {
  static register(config: UserServiceConfig, info: ServiceInfo): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({
          info,
          config,
          database: { entities: [UserEntity], migrations },
          kafka: { groupId: 'user-service', topics: [] },
        }),
        TokensModule,
        RateLimitModule.forRoot(usersRateLimitRules(config)),
        UsersModule,
      ],
    };
  }
}
