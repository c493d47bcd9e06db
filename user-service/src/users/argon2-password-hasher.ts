import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectConfig } from '@flash-sale/common';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import type { UserServiceConfig } from '../config.js';
import { ConcurrencyLimit, ConcurrencyLimitFull } from './concurrency-limit.js';
import { PasswordHasher } from './password-hasher.js';
import { UsersErrors } from './users.errors.js';

/**
 * argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane (the "m=19456,t=2,p=1" of the PHC string).
 * Raising any of these makes older hashes "need rehash"; they are replaced at the next login.
 */
export const ARGON2_SETTINGS = {
  // `Algorithm.Argon2id`: the package declares its enum `const`, which isolated modules cannot read.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const satisfies Options;

export type Argon2Config = Pick<UserServiceConfig, 'ARGON2_MAX_CONCURRENCY' | 'ARGON2_MAX_QUEUE'>;

/**
 * {@link PasswordHasher} with `@node-rs/argon2` (runs on libuv's thread pool, off the event loop).
 * Every hash and verify takes a slot of one {@link ConcurrencyLimit}, so a flood of registrations
 * or logins cannot take 19 MiB each without bound: past the queue, they are refused with 503
 * SERVICE_UNAVAILABLE and a `Retry-After`.
 */
@Injectable()
export class Argon2PasswordHasher extends PasswordHasher implements OnModuleInit {
  private readonly logger = new Logger(Argon2PasswordHasher.name);
  private readonly limit: ConcurrencyLimit;
  private dummyHash?: string;

  constructor(@InjectConfig() config: Argon2Config) {
    super();
    this.limit = new ConcurrencyLimit(config.ARGON2_MAX_CONCURRENCY, config.ARGON2_MAX_QUEUE);
  }

  /** A hash of a random secret nobody knows, with today's settings, made once at start. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return this.limited(() => hash(password, ARGON2_SETTINGS));
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return this.limited(async () => {
      try {
        return await verify(hashed, password);
      } catch (error) {
        this.logger.error({ err: error }, 'stored password hash cannot be read');
        return false;
      }
    });
  }

  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= await this.hash(randomBytes(32).toString('base64url'));
    const dummyHash = this.dummyHash;
    await this.limited(() => verify(dummyHash, password));
    return false;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.limit.run(work);
    } catch (error) {
      if (error instanceof ConcurrencyLimitFull) throw UsersErrors.hashingBusy();
      throw error;
    }
  }

  needsRehash(hashed: string): boolean {
    try {
      const used = parseOptions(hashed);
      return (
        Number(used.algorithm) !== ARGON2_SETTINGS.algorithm ||
        used.memoryCost < ARGON2_SETTINGS.memoryCost ||
        used.timeCost < ARGON2_SETTINGS.timeCost
      );
    } catch {
      return true;
    }
  }
}
