import { fileURLToPath } from 'node:url';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeOperationalEndpoints } from '@flash-sale/common/testing';
import { info, startTestApp } from './support/test-app.js';

const mainScript = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('inventory-service (e2e)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await startTestApp();
  });

  afterAll(async () => {
    await app?.close();
  });

  describeOperationalEndpoints(info.name, () => app, mainScript);
});
