import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadUserServiceConfig } from './config.js';

const config = loadConfigOrExit(() => loadUserServiceConfig());
const info = { name: 'user-service', version: readPackageVersion(import.meta.url) };

await startApp(AppModule.register(config, info), config, {
  info,
  description:
    'Registration, login and access tokens (EdDSA JWTs; public keys at /.well-known/jwks.json) for the flash-sale platform.',
});
