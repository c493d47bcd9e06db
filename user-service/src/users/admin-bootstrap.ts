import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DomainError, InjectConfig } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import type { UserServiceConfig } from '../config.js';
import { UsersService } from './users.service.js';

/**
 * Creates or updates the admin named by `ADMIN_USERNAME` / `ADMIN_PASSWORD` at start (when both
 * are set). A failure stops start-up: a service that was told to have an admin and has none
 * should not pretend otherwise.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrap.name);

  constructor(
    private readonly users: UsersService,
    @InjectConfig()
    private readonly config: Pick<
      UserServiceConfig,
      'ADMIN_USERNAME' | 'ADMIN_PASSWORD' | 'ADMIN_EMAIL' | 'RESERVED_EMAIL_DOMAIN'
    >,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { ADMIN_USERNAME: username, ADMIN_PASSWORD: password } = this.config;
    if (username === undefined || password === undefined) return;
    const email =
      this.config.ADMIN_EMAIL ?? `${username.toLowerCase()}@${this.config.RESERVED_EMAIL_DOMAIN}`;
    try {
      const { user, outcome } = await this.users.ensureAdmin({ username, password, email });
      this.logger.log(`admin account ${user.username} (id ${user.id}): ${outcome}`);
    } catch (error) {
      if (error instanceof DomainError && error.code === ErrorCode.EmailTaken) {
        throw new Error(
          `Cannot create the admin ${username}: ${email} belongs to another user; set ADMIN_EMAIL`,
        );
      }
      throw error;
    }
  }
}
