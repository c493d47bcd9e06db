import { randomBytes } from 'node:crypto';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { hash, parseOptions, verify, type Options } from '@node-rs/argon2';
import { PasswordHasher } from './password-hasher.js';

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

/** {@link PasswordHasher} with `@node-rs/argon2` (runs on libuv's thread pool, off the event loop). */
@Injectable()
export class Argon2PasswordHasher extends PasswordHasher implements OnModuleInit {
  private readonly logger = new Logger(Argon2PasswordHasher.name);
  private dummyHash?: string;

  /** A hash of a random secret nobody knows, with today's settings, made once at start. */
  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64url'));
  }

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_SETTINGS);
  }

  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch (error) {
      this.logger.error({ err: error }, 'stored password hash cannot be read');
      return false;
    }
  }

  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= await this.hash(randomBytes(32).toString('base64url'));
    await verify(this.dummyHash, password);
    return false;
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
