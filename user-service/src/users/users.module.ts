import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminBootstrap } from './admin-bootstrap.js';
import { Argon2PasswordHasher } from './argon2-password-hasher.js';
import { LoginAttemptCounter } from './login-attempt-counter.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { RedisLoginAttemptCounter } from './redis-login-attempt-counter.js';
import { TypeOrmUsersRepository } from './typeorm-users.repository.js';
import { UserEntity } from './user.entity.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/** Accounts, passwords and access tokens. Adapters are bound to their abstract tokens here. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  controllers: [UsersController],
  providers: [
    UsersService,
    LoginThrottle,
    AdminBootstrap,
    { provide: UsersRepository, useClass: TypeOrmUsersRepository },
    { provide: PasswordHasher, useClass: Argon2PasswordHasher },
    { provide: LoginAttemptCounter, useClass: RedisLoginAttemptCounter },
  ],
})
export class UsersModule {}
