import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, describeOperationalEndpoints } from '@flash-sale/common/testing';
import { AppModule } from '../src/app.module.js';
import { loadUserServiceConfig } from '../src/config.js';

const info = { name: 'user-service', version: 'test' };
const mainScript = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('user-service (e2e)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const config = loadUserServiceConfig({ ...process.env, LOG_LEVEL: 'warn' });
    app = await createTestApp(AppModule.register(config, info), config, info);
  });

  afterAll(async () => {
    await app?.close();
  });

  describeOperationalEndpoints(info.name, () => app, mainScript);
});
