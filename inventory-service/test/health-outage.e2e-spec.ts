import { createTestApp, describeDependencyOutages } from '@flash-sale/common/testing';
import { AppModule } from '../src/app.module.js';
import { loadInventoryServiceConfig } from '../src/config.js';

const info = { name: 'inventory-service', version: 'test' };

describe('inventory-service health (e2e)', () => {
  describeDependencyOutages(async (env) => {
    const config = loadInventoryServiceConfig({ ...process.env, LOG_LEVEL: 'silent', ...env });
    return createTestApp(AppModule.register(config, info), config, info);
  });
});
