import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, runWithWorkers, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadUserServiceConfig } from './config.js';

const config = loadConfigOrExit(() => loadUserServiceConfig());
const info = { name: 'user-service', version: readPackageVersion(import.meta.url) };

// WEB_CONCURRENCY > 1: this process is the primary and each worker runs startApp.
await runWithWorkers(info.name, config, () =>
  startApp(AppModule.register(config, info), config, {
    info,
    description:
      'Registration, login and access tokens (EdDSA JWTs; public keys at /.well-known/jwks.json) for the flash-sale platform.',
  }),
);
