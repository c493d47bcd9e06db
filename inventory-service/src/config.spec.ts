import { loadInventoryServiceConfig } from './config.js';

describe('inventory-service configuration', () => {
  it('defaults to port 3003 and database inventory_service', () => {
    expect(loadInventoryServiceConfig({})).toMatchObject({
      PORT: 3003,
      DB_DATABASE: 'inventory_service',
    });
  });
});
