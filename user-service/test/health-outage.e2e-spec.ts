import { createTestApp, describeDependencyOutages } from '@flash-sale/common/testing';
import { AppModule } from '../src/app.module.js';
import { loadUserServiceConfig } from '../src/config.js';

const info = { name: 'user-service', version: 'test' };

describe('user-service health (e2e)', () => {
  describeDependencyOutages(async (env) => {
    const config = loadUserServiceConfig({ ...process.env, LOG_LEVEL: 'silent', ...env });
    return createTestApp(AppModule.register(config, info), config, info);
  });
});
