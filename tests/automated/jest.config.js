import { jestConfig } from '../../jest.config.base.js';

// Black-box suites: they talk HTTP to running services (started by the global set-up when none
// answers), so there is no source to collect coverage from here; `npm run test:coverage` measures
// the services themselves.
export default jestConfig({
  rootDir: import.meta.dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30_000,
  // The suites share one running system; on a 2-core machine parallel workers only add noise to
  // the concurrency tests, so files run one after the other.
  maxWorkers: 1,
});
