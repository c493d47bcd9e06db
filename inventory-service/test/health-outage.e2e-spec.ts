import { describeDependencyOutages } from '@flash-sale/common/testing';
import { startTestApp } from './support/test-app.js';

describe('inventory-service health (e2e)', () => {
  // Without the Kafka consumers: with Kafka unreachable since start-up, the shared consumer waits
  // for it uninterruptibly and the app would never finish closing (a packages/common issue).
  describeDependencyOutages((env) =>
    startTestApp({ LOG_LEVEL: 'silent', ...env }, { withoutConsumers: true }),
  );
});
