import { createTestApp, describeDependencyOutages } from '@flash-sale/common/testing';
import { AppModule } from '../src/app.module.js';
import { loadOrderServiceConfig } from '../src/config.js';

const info = { name: 'order-service', version: 'test' };

describe('order-service health (e2e)', () => {
  describeDependencyOutages(async (env) => {
    const config = loadOrderServiceConfig({ ...process.env, LOG_LEVEL: 'silent', ...env });
    return createTestApp(AppModule.register(config, info), config, info);
  });
});
