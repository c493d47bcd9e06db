import { Injectable } from '@nestjs/common';
import { AccessTokenService, InjectConfig, InvalidTokenError } from '@flash-sale/common';
import { Role, type AccessTokenClaims } from '@flash-sale/contracts';
import type { UserServiceConfig } from '../config.js';
import { AccessTokenSigner } from '../tokens/access-token.signer.js';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher } from './password-hasher.js';
import { isCommonPassword, isInReservedDomain } from './password-policy.js';
import { withoutSecrets, type StoredUser, type User } from './user.js';
import { UsersErrors } from './users.errors.js';
import { UniqueUserViolation, UsersRepository } from './users.repository.js';

export interface Registration {
  username: string;
  email: string;
  password: string;
}

export interface LoginAttempt {
  /** A username, or an email address (anything with an `@`). */
  identifier: string;
  password: string;
  clientIp: string;
}

/** A successful login. */
export interface Session {
  accessToken: string;
  /** Lifetime of the token in seconds. */
  expiresIn: number;
  user: User;
}

/** The claims of a token that verified, with its issue and expiry times (seconds since epoch). */
export type VerifiedToken = AccessTokenClaims & { iat: number; exp: number };

export interface AdminAccount {
  username: string;
  password: string;
  email: string;
}

export type AdminOutcome = 'created' | 'updated' | 'unchanged';

/** Registration, login, profile and token verification: the rules of the users capability. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
    private readonly throttle: LoginThrottle,
    private readonly tokens: AccessTokenService,
    private readonly signer: AccessTokenSigner,
    @InjectConfig()
    private readonly config: Pick<
      UserServiceConfig,
      'JWT_EXPIRES_IN_SECONDS' | 'RESERVED_EMAIL_DOMAIN'
    >,
  ) {}

  /**
   * Creates a `user` (never an admin). A taken username or email is refused before any hash work;
   * a race between two registrations is decided by the unique indexes, and the loser gets
   * USERNAME_TAKEN or EMAIL_TAKEN too, never a server error. Addresses in the admin's reserved
   * domain and common passwords are refused first.
   */
  async register({ username, email, password }: Registration): Promise<User> {
    if (isInReservedDomain(email, this.config.RESERVED_EMAIL_DOMAIN)) {
      throw UsersErrors.emailDomainReserved(this.config.RESERVED_EMAIL_DOMAIN);
    }
    if (isCommonPassword(password)) throw UsersErrors.passwordTooCommon();
    const taken = await this.users.findTakenField(username, email);
    if (taken) throw conflictOf(new UniqueUserViolation(taken));
    const passwordHash = await this.passwords.hash(password);
    try {
      const stored = await this.users.insert({
        username,
        email,
        passwordHash,
        role: Role.User,
        createdAt: new Date(),
      });
      return withoutSecrets(stored);
    } catch (error) {
      throw conflictOf(error);
    }
  }

  /**
   * Checks the password and issues an access token. An unknown user costs the same hash work as
   * a wrong password and gets the same answer. Attempts are throttled per account and network.
   */
  async login({ identifier, password, clientIp }: LoginAttempt): Promise<Session> {
    const user = identifier.includes('@')
      ? await this.users.findByEmail(identifier)
      : await this.users.findByUsername(identifier);
    const ticket = await this.throttle.admit(
      user ? `id:${user.id}` : `name:${identifier.toLowerCase()}`,
      clientIp,
    );
    const matches = user
      ? await this.passwords.verify(user.passwordHash, password)
      : await this.passwords.verifyAgainstDummy(password);
    if (!user || !matches) {
      await this.throttle.failed(ticket);
      throw UsersErrors.invalidCredentials();
    }

    await this.throttle.succeeded(ticket);
    if (this.passwords.needsRehash(user.passwordHash)) {
      await this.users.update(user.id, { passwordHash: await this.passwords.hash(password) });
    }
    const accessToken = await this.signer.sign({
      sub: user.id,
      username: user.username,
      role: user.role,
    });
    return {
      accessToken,
      expiresIn: this.config.JWT_EXPIRES_IN_SECONDS,
      user: withoutSecrets(user),
    };
  }

  /** The user behind a verified token; USER_NOT_FOUND once it is gone. */
  async profile(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw UsersErrors.userNotFound();
    return withoutSecrets(user);
  }

  /** The claims of a valid token, or `null` for any token that is not (expired, forged, ...). */
  async verifyToken(token: string): Promise<VerifiedToken | null> {
    try {
      return await this.tokens.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) return null;
      throw error;
    }
  }

  /**
   * Makes sure the configured admin exists with this password and the admin role: creates it,
   * or updates an existing user of that name. Safe to run from several instances at once.
   */
  async ensureAdmin(admin: AdminAccount): Promise<{ user: User; outcome: AdminOutcome }> {
    const existing = await this.users.findByUsername(admin.username);
    if (existing) return this.promote(existing, admin.password);
    try {
      const created = await this.users.insert({
        username: admin.username,
        email: admin.email,
        passwordHash: await this.passwords.hash(admin.password),
        role: Role.Admin,
        createdAt: new Date(),
      });
      return { user: withoutSecrets(created), outcome: 'created' };
    } catch (error) {
      // Another instance created it between our read and our insert: update that one instead.
      if (error instanceof UniqueUserViolation && error.field === 'username') {
        const raced = await this.users.findByUsername(admin.username);
        if (raced) return this.promote(raced, admin.password);
      }
      throw conflictOf(error);
    }
  }

  private async promote(
    user: StoredUser,
    password: string,
  ): Promise<{ user: User; outcome: AdminOutcome }> {
    const changes: { role?: Role; passwordHash?: string } = {};
    if (user.role !== Role.Admin) changes.role = Role.Admin;
    if (
      this.passwords.needsRehash(user.passwordHash) ||
      !(await this.passwords.verify(user.passwordHash, password))
    ) {
      changes.passwordHash = await this.passwords.hash(password);
    }
    if (changes.role === undefined && changes.passwordHash === undefined) {
      return { user: withoutSecrets(user), outcome: 'unchanged' };
    }
    await this.users.update(user.id, changes);
    return { user: withoutSecrets({ ...user, ...changes }), outcome: 'updated' };
  }
}

function conflictOf(error: unknown): unknown {
  if (!(error instanceof UniqueUserViolation)) return error;
  return error.field === 'username' ? UsersErrors.usernameTaken() : UsersErrors.emailTaken();
}
