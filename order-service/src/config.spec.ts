import { ConfigValidationError } from '@flash-sale/common';
import { loadOrderServiceConfig } from './config.js';

describe('order-service configuration', () => {
  it('defaults to port 3002, database order_service and user-service on localhost', () => {
    expect(loadOrderServiceConfig({})).toMatchObject({
      PORT: 3002,
      DB_DATABASE: 'order_service',
      USER_SERVICE_URL: 'http://localhost:3001',
    });
  });

  it('refuses a USER_SERVICE_URL that is not a URL', () => {
    expect(() => loadOrderServiceConfig({ USER_SERVICE_URL: 'user-service' })).toThrow(
      ConfigValidationError,
    );
  });
});
