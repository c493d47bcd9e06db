import { Logger } from '@nestjs/common';
import { hash } from '@node-rs/argon2';
import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import { ARGON2_SETTINGS, Argon2PasswordHasher } from './argon2-password-hasher.js';

describe(Argon2PasswordHasher.name, () => {
  // The failures these tests provoke are logged on purpose; keep the output readable.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  const hasher = new Argon2PasswordHasher({ ARGON2_MAX_CONCURRENCY: 4, ARGON2_MAX_QUEUE: 100 });

  beforeAll(async () => {
    await hasher.onModuleInit();
  });

  it('hashes with argon2id at m=19456 KiB, t=2, p=1', async () => {
    const hashed = await hasher.hash('password123');

    expect(hashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(hashed).not.toContain('password123');
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('password123')).not.toBe(await hasher.hash('password123'));
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hashed = await hasher.hash('password123');

    await expect(hasher.verify(hashed, 'password123')).resolves.toBe(true);
    await expect(hasher.verify(hashed, 'password124')).resolves.toBe(false);
  });

  it('treats an unreadable stored hash as a mismatch', async () => {
    await expect(hasher.verify('not-a-hash', 'password123')).resolves.toBe(false);
  });

  it('answers false against the dummy hash', async () => {
    await expect(hasher.verifyAgainstDummy('password123')).resolves.toBe(false);
  });

  it('asks for a rehash of weaker or unreadable hashes only', async () => {
    const weak = await hash('password123', { ...ARGON2_SETTINGS, memoryCost: 4_096, timeCost: 1 });

    expect(hasher.needsRehash(await hasher.hash('password123'))).toBe(false);
    expect(hasher.needsRehash(weak)).toBe(true);
    expect(hasher.needsRehash('not-a-hash')).toBe(true);
  });

  it('refuses work past its concurrency and queue with 503 SERVICE_UNAVAILABLE and a wait', async () => {
    const tight = new Argon2PasswordHasher({ ARGON2_MAX_CONCURRENCY: 1, ARGON2_MAX_QUEUE: 1 });

    const outcomes = await Promise.allSettled([
      tight.hash('password-one'),
      tight.hash('password-two'),
      tight.verifyAgainstDummy('password-three'),
    ]);

    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    const refusal = (outcomes[2] as PromiseRejectedResult).reason as DomainError;
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal.code).toBe(ErrorCode.ServiceUnavailable);
    expect(refusal.details.retryAfterSeconds).toBeGreaterThan(0);
  });
});
