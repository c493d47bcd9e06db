import { ConfigValidationError } from '@flash-sale/common';
import { loadOrderServiceConfig } from './config.js';

describe('order-service configuration', () => {
  it('defaults to port 3002, database order_service and the other services on localhost', () => {
    expect(loadOrderServiceConfig({})).toMatchObject({
      PORT: 3002,
      DB_DATABASE: 'order_service',
      USER_SERVICE_URL: 'http://localhost:3001',
      INVENTORY_SERVICE_URL: 'http://localhost:3003',
      ORDER_MAX_QUANTITY: 10,
      ORDER_INSERT_BATCH_MS: 2,
    });
    expect(loadOrderServiceConfig({}).ORDER_FAILPOINT).toBeUndefined();
  });

  it('turns the sale page on by default except in production, and as SALE_PAGE_ENABLED says', () => {
    const production = {
      NODE_ENV: 'production',
      KAFKA_SASL_MECHANISM: 'none',
    };
    expect(loadOrderServiceConfig({}).SALE_PAGE_ENABLED).toBe(true);
    expect(loadOrderServiceConfig(production).SALE_PAGE_ENABLED).toBe(false);
    expect(
      loadOrderServiceConfig({ ...production, SALE_PAGE_ENABLED: 'true' }).SALE_PAGE_ENABLED,
    ).toBe(true);
    expect(loadOrderServiceConfig({ SALE_PAGE_ENABLED: 'false' }).SALE_PAGE_ENABLED).toBe(false);
    expect(() => loadOrderServiceConfig({ SALE_PAGE_ENABLED: 'yes' })).toThrow(
      ConfigValidationError,
    );
  });

  it('refuses a USER_SERVICE_URL that is not a URL', () => {
    expect(() => loadOrderServiceConfig({ USER_SERVICE_URL: 'user-service' })).toThrow(
      ConfigValidationError,
    );
  });

  it.each([
    ['ORDER_MAX_QUANTITY', '0'],
    ['ORDER_MAX_WAITING_INSERTS', 'lots'],
    ['ORDER_MAX_INSERT_WAIT_MS', '10'],
    ['ORDER_INSERT_BATCH_MS', '-1'],
    ['ORDER_FAILPOINT', 'after-lunch'],
    ['INVENTORY_SERVICE_URL', 'inventory'],
  ])('refuses %s=%j', (name, value) => {
    expect(() => loadOrderServiceConfig({ [name]: value })).toThrow(ConfigValidationError);
  });

  it('accepts a fail-point in development and refuses it in production', () => {
    expect(loadOrderServiceConfig({ ORDER_FAILPOINT: 'after-insert' }).ORDER_FAILPOINT).toBe(
      'after-insert',
    );
    try {
      loadOrderServiceConfig({
        NODE_ENV: 'production',
        KAFKA_SASL_MECHANISM: 'none',
        ORDER_FAILPOINT: 'after-reserve',
      });
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as ConfigValidationError).problems).toEqual([
        expect.stringMatching(/^ORDER_FAILPOINT: .*production/),
      ]);
    }
  });
});
