// Tokens for the benchmark when no admin account is known: signed as user-service signs them, with
// its development key (generated into <repo>/.cache/keys at user-service's first start).
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePrivateKeySet, signAccessToken } from '@flash-sale/common';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** user-service's signing keys: JWT_PRIVATE_KEYS_FILE, else the development key of this checkout. */
export const DEV_KEY_FILE =
  process.env.JWT_PRIVATE_KEYS_FILE ?? join(ROOT, '.cache', 'keys', 'access-token-keys.json');

/**
 * An access token for `claims` signed with the first key of `file` (the one user-service signs
 * with), for JWT_ISSUER / JWT_AUDIENCE (the services' defaults unless set).
 */
export async function signWithKeyFile(claims, file = DEV_KEY_FILE, env = process.env) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read user-service's signing key ${file} (${error.code ?? error}): start user-service once (it generates it in development), set JWT_PRIVATE_KEYS_FILE, or set ADMIN_USERNAME/ADMIN_PASSWORD to log in instead`,
    );
  }
  const [jwk] = parsePrivateKeySet(text);
  return signAccessToken(
    { kid: jwk.kid, privateKey: createPrivateKey({ key: jwk, format: 'jwk' }) },
    claims,
    {
      issuer: env.JWT_ISSUER ?? 'flash-sale-user-service',
      audience: env.JWT_AUDIENCE ?? 'flash-sale',
      expiresInSeconds: 3_600,
    },
  );
}
