import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHmac } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import { Role } from '@flash-sale/contracts';
import { DomainError } from '../errors/domain-error.js';
import { TestTokenIssuer } from '../testing/token-issuer.js';
import { AccessTokenService, KeySetUnavailableError } from './access-token.service.js';
import { IS_PUBLIC_KEY, ROLES_KEY, type AuthenticatedRequest } from './auth.decorators.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

const issuer = new TestTokenIssuer({ issuer: 'iss-test', audience: 'aud-test' });
const tokens = {
  sign: (claims: Parameters<TestTokenIssuer['sign']>[0]) => issuer.sign(claims, 60),
};
const verifier = new AccessTokenService(createLocalJWKSet(issuer.jwks), {
  issuer: 'iss-test',
  audience: 'aud-test',
});

function contextFor(authorization: string | undefined, metadata: Record<string, unknown> = {}) {
  const request = {
    headers: authorization === undefined ? {} : { authorization },
  } as AuthenticatedRequest;
  const handler = () => undefined;
  for (const [key, value] of Object.entries(metadata)) Reflect.defineMetadata(key, value, handler);
  const context = {
    getHandler: () => handler,
    getClass: () => class {},
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function handMade(header: object, payload: object, secret: string): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe(JwtAuthGuard.name, () => {
  const guard = new JwtAuthGuard(new Reflector(), verifier);
  const claims = { sub: '7', username: 'alice', role: Role.User };
  const now = () => Math.floor(Date.now() / 1000);

  it('lets a public route through without a token', async () => {
    const { context } = contextFor(undefined, { [IS_PUBLIC_KEY]: true });
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it('accepts a valid Bearer token and exposes its claims', async () => {
    const { context, request } = contextFor(`Bearer ${await tokens.sign(claims)}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toEqual(claims);
  });

  it('accepts the scheme name in any case', async () => {
    const { context } = contextFor(`bearer ${await tokens.sign(claims)}`);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic abc'],
    ['a malformed token', 'Bearer not-a-jwt'],
  ])('refuses %s with UNAUTHORIZED', async (_label, header) => {
    await expect(guard.canActivate(contextFor(header).context)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it.each([
    ['no header', undefined, 'Bearer'],
    ['another scheme', 'Basic abc', 'Bearer error="invalid_token"'],
    ['a token that does not verify', 'Bearer a.b.c', 'Bearer error="invalid_token"'],
  ])('challenges %s with WWW-Authenticate %s', async (_label, header, challenge) => {
    await expect(guard.canActivate(contextFor(header).context)).rejects.toMatchObject({
      details: { wwwAuthenticate: challenge },
    });
  });

  it.each([
    [
      'alg none',
      () =>
        `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, iss: 'iss-test', aud: 'aud-test', exp: now() + 60 })}.`,
    ],
    [
      'an HS256 token',
      () =>
        handMade(
          { alg: 'HS256', typ: 'at+jwt' },
          { ...claims, iss: 'iss-test', aud: 'aud-test', iat: now(), exp: now() + 60 },
          'x'.repeat(40),
        ),
    ],
    [
      'an expired token',
      () =>
        issuer.forge(
          {},
          { ...claims, iss: 'iss-test', aud: 'aud-test', iat: now() - 120, exp: now() - 60 },
        ),
    ],
    [
      'a wrong issuer',
      () =>
        issuer.forge({}, { ...claims, iss: 'evil', aud: 'aud-test', iat: now(), exp: now() + 60 }),
    ],
    [
      'an unknown role',
      () =>
        issuer.forge(
          {},
          {
            ...claims,
            role: 'root',
            iss: 'iss-test',
            aud: 'aud-test',
            iat: now(),
            exp: now() + 60,
          },
        ),
    ],
  ])('refuses %s', async (_label, makeToken) => {
    const { context } = contextFor(`Bearer ${makeToken()}`);
    await expect(guard.canActivate(context)).rejects.toBeInstanceOf(DomainError);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await tokens.sign(claims)).split('.');
    const forged = `${header}.${b64url({ ...claims, role: Role.Admin })}.${signature}`;
    await expect(guard.canActivate(contextFor(`Bearer ${forged}`).context)).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('answers SERVICE_UNAVAILABLE, not UNAUTHORIZED, when the keys cannot be had', async () => {
    const unreachable = new AccessTokenService(
      () => Promise.reject(new TypeError('fetch failed')),
      { issuer: 'iss-test', audience: 'aud-test' },
    );
    await expect(unreachable.verify(await tokens.sign(claims))).rejects.toBeInstanceOf(
      KeySetUnavailableError,
    );
    const { context } = contextFor(`Bearer ${await tokens.sign(claims)}`);
    await expect(
      new JwtAuthGuard(new Reflector(), unreachable).canActivate(context),
    ).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  it('answers FORBIDDEN when the role is not allowed, and lets an admin through', async () => {
    const userToken = await tokens.sign(claims);
    const adminToken = await tokens.sign({ ...claims, role: Role.Admin });
    await expect(
      guard.canActivate(contextFor(`Bearer ${userToken}`, { [ROLES_KEY]: [Role.Admin] }).context),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      guard.canActivate(contextFor(`Bearer ${adminToken}`, { [ROLES_KEY]: [Role.Admin] }).context),
    ).resolves.toBe(true);
  });
});
