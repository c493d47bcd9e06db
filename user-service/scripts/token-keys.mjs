#!/usr/bin/env node
// Makes and inspects user-service's access-token signing keys (Ed25519 JWK Sets, one line of JSON).
//
//   npm run -s keys:generate -w user-service                 # a new private JWK Set (one key)
//   npm run -s keys:generate -w user-service -- --add FILE   # FILE's keys after a new one: rotation
//   npm run -s keys:public -w user-service -- FILE           # the public set of a private one
//
// The private set is user-service's JWT_PRIVATE_KEYS (or the file JWT_PRIVATE_KEYS_FILE names):
// keep it secret. The public set is what other services may be given as JWT_JWKS / JWT_JWKS_FILE
// (by default they fetch it from user-service's /.well-known/jwks.json).
import { readFileSync } from 'node:fs';
import { generateSigningJwk, parsePrivateKeySet, publicJwkOf } from '@flash-sale/common';

const [command, ...args] = process.argv.slice(2);
const read = (file) => parsePrivateKeySet(readFileSync(file, 'utf8'));

if (command === 'generate') {
  const addTo = args[0] === '--add' ? args[1] : undefined;
  const keys = [await generateSigningJwk(), ...(addTo ? read(addTo) : [])];
  process.stdout.write(`${JSON.stringify({ keys })}\n`);
} else if (command === 'public' && args[0]) {
  process.stdout.write(`${JSON.stringify({ keys: read(args[0]).map(publicJwkOf) })}\n`);
} else {
  process.stderr.write('usage: token-keys.mjs generate [--add FILE] | public FILE\n');
  process.exit(2);
}
