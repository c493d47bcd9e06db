import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Logger } from '@nestjs/common';
import {
  generateSigningJwk,
  parsePrivateKeySet,
  publicJwkOf,
  type SigningKey,
} from '@flash-sale/common';
import { importJWK, type JSONWebKeySet, type JWK } from 'jose';
import type { UserServiceConfig } from '../config.js';

/**
 * Where a development machine keeps the key pair generated at first start: the repository's
 * git-ignored cache, shared by every user-service started from this checkout (so tokens survive
 * a restart and two instances agree).
 */
export const DEV_KEY_FILE = fileURLToPath(
  new URL('../../../.cache/keys/access-token-keys.json', import.meta.url),
);

/** The keys user-service signs with (the first) and publishes (all of them: rotation). */
export class SigningKeyRing {
  constructor(
    readonly signing: SigningKey,
    /** The public halves of every key, as `GET /.well-known/jwks.json` answers. */
    readonly publicKeySet: JSONWebKeySet,
  ) {}

  static async of(privateJwks: JWK[]): Promise<SigningKeyRing> {
    const [first] = privateJwks;
    if (!first?.kid) throw new Error('a signing key ring needs at least one key with a kid');
    const privateKey = await importJWK({ ...first, alg: 'EdDSA' }, 'EdDSA');
    if (privateKey instanceof Uint8Array) throw new Error('an Ed25519 key cannot be a secret');
    return new SigningKeyRing(
      { kid: first.kid, privateKey },
      { keys: privateJwks.map(publicJwkOf) },
    );
  }
}

/**
 * The configured keys (JWT_PRIVATE_KEYS or JWT_PRIVATE_KEYS_FILE); without them, outside
 * production only (the config refuses production without keys), the development key pair from
 * `devKeyFile`, generated there at first start.
 */
export async function loadSigningKeys(
  config: Pick<UserServiceConfig, 'NODE_ENV'> &
    Partial<Pick<UserServiceConfig, 'JWT_PRIVATE_KEYS' | 'JWT_PRIVATE_KEYS_FILE'>>,
  devKeyFile = DEV_KEY_FILE,
  logger = new Logger('SigningKeys'),
): Promise<SigningKeyRing> {
  const configured = config.JWT_PRIVATE_KEYS ?? config.JWT_PRIVATE_KEYS_FILE;
  if (configured) return SigningKeyRing.of(configured);
  if (config.NODE_ENV === 'production') {
    throw new Error('NODE_ENV=production needs JWT_PRIVATE_KEYS or JWT_PRIVATE_KEYS_FILE');
  }
  return SigningKeyRing.of(await developmentKeys(devKeyFile, logger));
}

async function developmentKeys(file: string, logger: Logger): Promise<JWK[]> {
  try {
    return parsePrivateKeySet(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `The development signing key ${file} is unusable: delete it to get a new one`,
        {
          cause: error,
        },
      );
    }
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, `${JSON.stringify({ keys: [await generateSigningJwk()] }, null, 2)}\n`, {
    mode: 0o600,
  });
  try {
    // A link appears whole or not at all, and fails if another instance won the race: then its
    // key is the one to use.
    linkSync(draft, file);
    logger.warn(
      `Generated a development signing key pair in ${file} (production refuses to start without JWT_PRIVATE_KEYS or JWT_PRIVATE_KEYS_FILE)`,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(draft);
  }
  return parsePrivateKeySet(readFileSync(file, 'utf8'));
}
