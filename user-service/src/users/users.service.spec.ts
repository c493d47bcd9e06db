import { DomainError, type AccessTokenService } from '@flash-sale/common';
import { ErrorCode, Role } from '@flash-sale/contracts';
import {
  FakeAccessTokens,
  FakePasswordHasher,
  InMemoryAttemptCounter,
  InMemoryUsersRepository,
  strictFake,
} from '../../test/support/fakes.js';
import type { AccessTokenSigner } from '../tokens/access-token.signer.js';
import { LoginThrottle, accountKeyOf, networkKeyOf, pairKeyOf } from './login-throttle.js';
import type { PasswordHasher } from './password-hasher.js';
import { UniqueUserViolation, type UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

const limits = {
  LOGIN_MAX_FAILURES_PER_USERNAME: 3,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: 100,
  LOGIN_MAX_FAILURES_PER_IP: 100,
  LOGIN_THROTTLE_WINDOW_SECONDS: 900,
  LOGIN_MAX_BACKOFF_SECONDS: 86_400,
};
const IP = '203.0.113.7';

/** A service on in-memory fakes, for whole flows (register, then log in, ...). */
function setup() {
  const users = new InMemoryUsersRepository();
  const passwords = new FakePasswordHasher();
  const counter = new InMemoryAttemptCounter();
  const tokens = new FakeAccessTokens();
  const service = new UsersService(
    users,
    passwords,
    new LoginThrottle(counter, limits),
    tokens as unknown as AccessTokenService,
    tokens as unknown as AccessTokenSigner,
    { JWT_EXPIRES_IN_SECONDS: 600, RESERVED_EMAIL_DOMAIN: 'admin.invalid' },
  );
  return { service, users, passwords, counter, tokens };
}

/**
 * A service whose collaborators are all strict fakes except those given: a test that passes
 * proves the operation touches nothing else.
 */
function serviceWith(
  parts: {
    users?: UsersRepository;
    passwords?: PasswordHasher;
    throttle?: LoginThrottle;
    tokens?: FakeAccessTokens;
  } = {},
) {
  return new UsersService(
    parts.users ?? strictFake<UsersRepository>({}, 'users'),
    parts.passwords ?? strictFake<PasswordHasher>({}, 'passwords'),
    parts.throttle ?? strictFake<LoginThrottle>({}, 'throttle'),
    (parts.tokens ?? strictFake<FakeAccessTokens>({}, 'tokens')) as unknown as AccessTokenService,
    (parts.tokens ?? strictFake<FakeAccessTokens>({}, 'signer')) as unknown as AccessTokenSigner,
    { JWT_EXPIRES_IN_SECONDS: 600, RESERVED_EMAIL_DOMAIN: 'admin.invalid' },
  );
}

/** The code of the DomainError `promise` rejects with. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw error;
  return error.code;
}

const PASSWORD = 'amber-kettle-7-quartz';
/** The password of the fakes' seeded users: older than the policy, and login checks no policy. */
const SEEDED_PASSWORD = 'password123';
const registration = { username: 'alice_01', email: 'alice@example.com', password: PASSWORD };

describe(UsersService.name, () => {
  describe('register', () => {
    it('creates a user with the role user and returns it without the hash', async () => {
      const { service, users } = setup();

      const user = await service.register(registration);

      expect(user).toEqual({
        id: expect.any(String),
        username: 'alice_01',
        email: 'alice@example.com',
        role: Role.User,
        createdAt: expect.any(Date),
      });
      expect(user).not.toHaveProperty('passwordHash');
      expect(users.rows.get(user.id)?.passwordHash).toBe(`fake-hash:${PASSWORD}`);
    });

    it.each([
      ['USERNAME_TAKEN', { username: 'ALICE_01', email: 'other@example.com' }],
      ['EMAIL_TAKEN', { username: 'someone_else', email: 'Alice@Example.com' }],
    ])('refuses with %s before spending any hash work', async (code, clash) => {
      const users = new InMemoryUsersRepository();
      users.seed({ username: 'alice_01', email: 'alice@example.com' });
      const service = serviceWith({ users });

      expect(await codeOf(service.register({ ...clash, password: PASSWORD }))).toBe(code);
      expect(users.insert).not.toHaveBeenCalled();
    });

    it.each([
      ['the reserved domain', 'eve@admin.invalid'],
      ['it in capitals', 'eve@ADMIN.Invalid'],
      ['a subdomain of it', 'eve@staff.admin.invalid'],
    ])(
      'refuses an address in %s with EMAIL_DOMAIN_RESERVED, touching nothing',
      async (_l, email) => {
        const service = serviceWith();

        expect(await codeOf(service.register({ ...registration, email }))).toBe(
          ErrorCode.EmailDomainReserved,
        );
      },
    );

    it('accepts a domain that only ends like the reserved one', async () => {
      const { service } = setup();

      const user = await service.register({ ...registration, email: 'eve@notadmin.invalid' });

      expect(user.email).toBe('eve@notadmin.invalid');
    });

    it.each(['password123', 'Password123', 'qwertyuiop', 'iloveyou1'])(
      'refuses the common password %s with PASSWORD_TOO_COMMON, touching nothing',
      async (password) => {
        const service = serviceWith();

        expect(await codeOf(service.register({ ...registration, password }))).toBe(
          ErrorCode.PasswordTooCommon,
        );
      },
    );

    it.each([
      ['username', ErrorCode.UsernameTaken],
      ['email', ErrorCode.EmailTaken],
    ] as const)('answers a lost race on the %s index with %s', async (field, code) => {
      const { service, users } = setup();
      users.failNextInsertWith = new UniqueUserViolation(field);

      expect(await codeOf(service.register(registration))).toBe(code);
    });

    it('lets any other storage error through unchanged', async () => {
      const { service, users } = setup();
      const failure = new Error('connection lost');
      users.failNextInsertWith = failure;

      await expect(service.register(registration)).rejects.toBe(failure);
    });
  });

  describe('login', () => {
    it('issues a token with sub, username and role, and the configured lifetime', async () => {
      const { service, users, tokens } = setup();
      const alice = users.seed({ username: 'alice_01' });

      const session = await service.login({
        identifier: 'alice_01',
        password: SEEDED_PASSWORD,
        clientIp: IP,
      });

      expect(tokens.sign).toHaveBeenCalledWith({
        sub: alice.id,
        username: 'alice_01',
        role: Role.User,
      });
      expect(session).toEqual({
        accessToken: expect.stringMatching(/^fake-token\./),
        expiresIn: 600,
        user: {
          id: alice.id,
          username: 'alice_01',
          email: alice.email,
          role: Role.User,
          createdAt: alice.createdAt,
        },
      });
      expect(session.user).not.toHaveProperty('passwordHash');
    });

    it('accepts the email address, in any case, in place of the username', async () => {
      const { service, users } = setup();
      users.seed({ username: 'alice_01', email: 'alice@example.com', role: Role.Admin });

      const session = await service.login({
        identifier: 'ALICE@example.com',
        password: SEEDED_PASSWORD,
        clientIp: IP,
      });

      expect(session.user).toMatchObject({ username: 'alice_01', role: Role.Admin });
    });

    it('answers INVALID_CREDENTIALS for a wrong password', async () => {
      const { service, users, passwords } = setup();
      users.seed({ username: 'alice_01' });

      expect(
        await codeOf(
          service.login({ identifier: 'alice_01', password: 'wrong-pass', clientIp: IP }),
        ),
      ).toBe(ErrorCode.InvalidCredentials);
      expect(passwords.verify).toHaveBeenCalledTimes(1);
    });

    it('answers an unknown user the same way, after the same hash work', async () => {
      const { service, passwords } = setup();

      const error = await service
        .login({ identifier: 'nobody', password: SEEDED_PASSWORD, clientIp: IP })
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: ErrorCode.InvalidCredentials,
        message: 'Invalid username, email or password',
      });
      expect(passwords.verifyAgainstDummy).toHaveBeenCalledWith(SEEDED_PASSWORD);
    });

    it('refuses with TOO_MANY_REQUESTS once the account is over its limit, even the right password', async () => {
      const { service, users, passwords, counter } = setup();
      users.seed({ username: 'alice_01' });
      const attempt = (password: string) =>
        service.login({ identifier: 'alice_01', password, clientIp: IP });
      for (let i = 0; i < limits.LOGIN_MAX_FAILURES_PER_USERNAME; i++) {
        expect(await codeOf(attempt('wrong-pass'))).toBe(ErrorCode.InvalidCredentials);
      }
      counter.nowMs = 60_000;

      const error = await attempt(SEEDED_PASSWORD).catch((e: unknown) => e);

      expect(error).toMatchObject({
        code: ErrorCode.TooManyRequests,
        details: { retryAfterSeconds: 840 },
      });
      expect(passwords.verify).toHaveBeenCalledTimes(limits.LOGIN_MAX_FAILURES_PER_USERNAME);
    });

    it('counts the username and the email of one user against one budget', async () => {
      const { service, users, counter } = setup();
      const alice = users.seed({ username: 'alice_01', email: 'alice@example.com' });

      await service
        .login({ identifier: 'alice_01', password: 'wrong-pass', clientIp: IP })
        .catch(() => undefined);
      await service
        .login({ identifier: 'alice@example.com', password: 'wrong-pass', clientIp: IP })
        .catch(() => undefined);

      expect(counter.countOf(accountKeyOf(`id:${alice.id}`))).toBe(2);
    });

    it('counts unknown names case-insensitively', async () => {
      const { service, counter } = setup();

      for (const identifier of ['Ghost', 'GHOST', 'ghost']) {
        await service
          .login({ identifier, password: SEEDED_PASSWORD, clientIp: IP })
          .catch(() => undefined);
      }

      expect(counter.countOf(accountKeyOf('name:ghost'))).toBe(3);
    });

    it('forgets the failures from this address after a success; the account and network keep theirs', async () => {
      const { service, users, counter } = setup();
      const alice = users.seed({ username: 'alice_01' });
      await service
        .login({ identifier: 'alice_01', password: 'wrong-pass', clientIp: IP })
        .catch(() => undefined);

      await service.login({ identifier: 'alice_01', password: SEEDED_PASSWORD, clientIp: IP });

      expect(counter.countOf(pairKeyOf(`id:${alice.id}`, IP))).toBe(0);
      expect(counter.countOf(accountKeyOf(`id:${alice.id}`))).toBe(1);
      expect(counter.countOf(networkKeyOf(IP))).toBe(1);
    });

    it('replaces a hash made with weaker settings after a correct password', async () => {
      const { service, users } = setup();
      const alice = users.seed({ username: 'alice_01', passwordHash: 'weak-hash:password123' });

      await service.login({ identifier: 'alice_01', password: SEEDED_PASSWORD, clientIp: IP });

      expect(users.update).toHaveBeenCalledWith(alice.id, {
        passwordHash: 'fake-hash:password123',
      });
    });

    it('leaves a current hash alone', async () => {
      const { service, users } = setup();
      users.seed({ username: 'alice_01' });

      await service.login({ identifier: 'alice_01', password: SEEDED_PASSWORD, clientIp: IP });

      expect(users.update).not.toHaveBeenCalled();
    });
  });

  describe('profile', () => {
    it('returns the user without the hash', async () => {
      const users = new InMemoryUsersRepository();
      const service = serviceWith({ users });
      const alice = users.seed({ username: 'alice_01' });

      const profile = await service.profile(alice.id);

      expect(profile).toEqual({
        id: alice.id,
        username: 'alice_01',
        email: alice.email,
        role: Role.User,
        createdAt: alice.createdAt,
      });
    });

    it('answers USER_NOT_FOUND for a user that no longer exists', async () => {
      const service = serviceWith({ users: new InMemoryUsersRepository() });

      expect(await codeOf(service.profile('999'))).toBe(ErrorCode.UserNotFound);
    });
  });

  describe('verifyToken', () => {
    it('returns the claims of a valid token, touching nothing but the token service', async () => {
      const tokens = new FakeAccessTokens();
      const service = serviceWith({ tokens });
      const token = await tokens.sign({ sub: '7', username: 'bob', role: Role.Admin });

      await expect(service.verifyToken(token)).resolves.toEqual({
        sub: '7',
        username: 'bob',
        role: Role.Admin,
        iat: expect.any(Number),
        exp: expect.any(Number),
      });
    });

    it('returns null for a token that does not verify', async () => {
      const service = serviceWith({ tokens: new FakeAccessTokens() });

      await expect(service.verifyToken('forged')).resolves.toBeNull();
    });

    it('lets an unexpected failure through', async () => {
      const tokens = new FakeAccessTokens();
      const service = serviceWith({ tokens });
      const failure = new Error('bug');
      tokens.verify.mockRejectedValueOnce(failure);

      await expect(service.verifyToken('anything')).rejects.toBe(failure);
    });
  });

  describe('ensureAdmin', () => {
    const admin = { username: 'root', password: 'admin-pass-1', email: 'root@admin.invalid' };

    it('creates the admin when it does not exist', async () => {
      const { service, users } = setup();

      const { user, outcome } = await service.ensureAdmin(admin);

      expect(outcome).toBe('created');
      expect(user).toMatchObject({ username: 'root', email: 'root@admin.invalid', role: 'admin' });
      expect(users.rows.get(user.id)?.passwordHash).toBe('fake-hash:admin-pass-1');
    });

    it('promotes an existing user of that name and gives it the configured password', async () => {
      const { service, users } = setup();
      const existing = users.seed({ username: 'Root', passwordHash: 'fake-hash:old-pass' });

      const { user, outcome } = await service.ensureAdmin(admin);

      expect(outcome).toBe('updated');
      expect(user.role).toBe(Role.Admin);
      expect(users.rows.get(existing.id)).toMatchObject({
        role: Role.Admin,
        passwordHash: 'fake-hash:admin-pass-1',
      });
    });

    it('changes nothing when the admin is already as configured', async () => {
      const { service, users } = setup();
      users.seed({ username: 'root', role: Role.Admin, passwordHash: 'fake-hash:admin-pass-1' });

      const { outcome } = await service.ensureAdmin(admin);

      expect(outcome).toBe('unchanged');
      expect(users.update).not.toHaveBeenCalled();
    });

    it('updates the row another instance created between its read and its insert', async () => {
      const { service, users } = setup();
      const original = users.findByUsername.getMockImplementation();
      users.findByUsername.mockImplementationOnce(() => {
        users.seed({ username: 'root', passwordHash: 'fake-hash:admin-pass-1' });
        return Promise.resolve(null);
      });
      users.findByUsername.mockImplementation(original!);

      const { user, outcome } = await service.ensureAdmin(admin);

      expect(outcome).toBe('updated');
      expect(users.rows.get(user.id)?.role).toBe(Role.Admin);
      expect(users.rows.size).toBe(1);
    });

    it('refuses with EMAIL_TAKEN when another user holds the admin email', async () => {
      const { service, users } = setup();
      users.seed({ username: 'mallory', email: 'root@admin.invalid' });

      expect(await codeOf(service.ensureAdmin(admin))).toBe(ErrorCode.EmailTaken);
    });
  });
});
