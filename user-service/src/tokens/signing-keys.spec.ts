import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { generateSigningJwk, parsePublicKeySet } from '@flash-sale/common';
import { loadSigningKeys } from './signing-keys.js';

const quiet = new Logger('test');
quiet.warn = () => undefined;

describe(loadSigningKeys.name, () => {
  const devFile = () => join(mkdtempSync(join(tmpdir(), 'keys-')), 'nested', 'keys.json');

  it('signs with the first configured key and publishes the public half of every key', async () => {
    const [current, previous] = [await generateSigningJwk(), await generateSigningJwk()];
    const ring = await loadSigningKeys(
      { NODE_ENV: 'production', JWT_PRIVATE_KEYS: [current, previous] },
      devFile(),
      quiet,
    );

    expect(ring.signing.kid).toBe(current.kid);
    expect(ring.publicKeySet.keys.map((k) => k.kid)).toEqual([current.kid, previous.kid]);
    // What is published passes the verifiers' own check: no private member at all.
    expect(parsePublicKeySet(JSON.stringify(ring.publicKeySet))).toEqual(ring.publicKeySet);
    expect(JSON.stringify(ring.publicKeySet)).not.toContain(String(current.d));
  });

  it('generates a development key pair once, private to its owner, and reuses it', async () => {
    const file = devFile();
    const first = await loadSigningKeys({ NODE_ENV: 'development' }, file, quiet);
    const again = await loadSigningKeys({ NODE_ENV: 'test' }, file, quiet);

    expect(again.signing.kid).toBe(first.signing.kid);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      keys: [{ kty: 'OKP', crv: 'Ed25519', kid: first.signing.kid, d: expect.any(String) }],
    });
  });

  it('agrees on one development key when instances start at once', async () => {
    const file = devFile();
    const rings = await Promise.all(
      [1, 2, 3, 4].map(() => loadSigningKeys({ NODE_ENV: 'development' }, file, quiet)),
    );
    expect(new Set(rings.map((r) => r.signing.kid)).size).toBe(1);
  });

  it('refuses to generate a key in production', async () => {
    await expect(loadSigningKeys({ NODE_ENV: 'production' }, devFile(), quiet)).rejects.toThrow(
      /JWT_PRIVATE_KEYS/,
    );
  });

  it('refuses a damaged development key file rather than replace it silently', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
    writeFileSync(file, '{"keys":[{"kty":"oct"}]}');
    await expect(loadSigningKeys({ NODE_ENV: 'development' }, file, quiet)).rejects.toThrow(
      /delete it/,
    );
  });
});
