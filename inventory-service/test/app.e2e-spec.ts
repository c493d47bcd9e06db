import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp, describeOperationalEndpoints } from '@flash-sale/common/testing';
import { AppModule } from '../src/app.module.js';
import { loadInventoryServiceConfig } from '../src/config.js';

const info = { name: 'inventory-service', version: 'test' };
const mainScript = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('inventory-service (e2e)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const config = loadInventoryServiceConfig({ ...process.env, LOG_LEVEL: 'warn' });
    app = await createTestApp(AppModule.register(config, info), config, info);
  });

  afterAll(async () => {
    await app?.close();
  });

  describeOperationalEndpoints(info.name, () => app, mainScript);
});
