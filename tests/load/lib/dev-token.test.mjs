import { describe, expect, it } from '@jest/globals';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessTokenService, generateSigningJwk, publicJwkOf } from '@flash-sale/common';
import { signWithKeyFile } from './dev-token.mjs';

describe('signWithKeyFile', () => {
  const expected = { issuer: 'flash-sale-user-service', audience: 'flash-sale' };

  it('makes a token the services accept, signed with the first key of the file', async () => {
    const [current, previous] = [await generateSigningJwk(), await generateSigningJwk()];
    const file = join(mkdtempSync(join(tmpdir(), 'bench-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [current, previous] }));
    const claims = { sub: '1', username: 'bench-admin', role: 'admin' };

    const token = await signWithKeyFile(claims, file, {});

    // The services' own verifier, given the published (public) half of the key.
    const verifier = new AccessTokenService(
      async () => createPublicKey({ key: publicJwkOf(current), format: 'jwk' }),
      expected,
    );
    await expect(verifier.verify(token)).resolves.toMatchObject(claims);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: current.kid });
  });

  it('says what to do when there is no key file', async () => {
    await expect(
      signWithKeyFile({ sub: '1', username: 'a', role: 'admin' }, '/nonexistent/keys.json', {}),
    ).rejects.toThrow(/ADMIN_USERNAME\/ADMIN_PASSWORD/);
  });
});
