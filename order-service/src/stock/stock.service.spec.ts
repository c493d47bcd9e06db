import { DomainError } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import type { InventoryCatalogue } from './inventory-catalogue.js';
import type { StockCountersStore } from './stock-counters.store.js';
import type { StockReconciler } from './stock-reconciler.js';
import { STOCK_LIST_CACHE_MS, StockService } from './stock.service.js';

const reconciler = strictFake<StockReconciler>('reconciler');
const ADMIN = 'Bearer admin.jwt.sig';

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );
}

describe(StockService.name, () => {
  describe('list', () => {
    const counters = [
      { productId: 'A', stock: 3 },
      { productId: 'B', stock: -1 },
    ];

    it('reads the counters once per second, whatever the number of callers', async () => {
      const store = strictFake<StockCountersStore>('store', {
        readAllCounters: () => Promise.resolve(counters),
      });
      const service = new StockService(store, reconciler, strictFake('inventory'));

      const at = 1_000_000;
      const answers = await Promise.all([service.list(at), service.list(at + 10)]);
      await service.list(at + STOCK_LIST_CACHE_MS - 1);
      expect(store.readAllCounters).toHaveBeenCalledTimes(1);
      expect(answers[0]).toEqual([
        { productId: 'A', stock: 3 },
        { productId: 'B', stock: 0 },
      ]);

      await service.list(at + STOCK_LIST_CACHE_MS);
      expect(store.readAllCounters).toHaveBeenCalledTimes(2);
    });

    it('does not keep a failed read: the next caller reads again', async () => {
      let calls = 0;
      const store = strictFake<StockCountersStore>('store', {
        readAllCounters: () =>
          ++calls === 1 ? Promise.reject(new Error('Redis down')) : Promise.resolve(counters),
      });
      const service = new StockService(store, reconciler, strictFake('inventory'));

      expect(await codeOf(service.list(5_000))).toBe('SERVICE_UNAVAILABLE');
      await expect(service.list(5_001)).resolves.toHaveLength(2);
    });
  });

  describe('setStock', () => {
    it('writes through inventory-service only (never Redis) and answers the new stock of record', async () => {
      const inventory = strictFake<InventoryCatalogue>('inventory', {
        setStock: () => Promise.resolve({ kind: 'set', stock: 100 }),
      });
      const service = new StockService(strictFake('store'), reconciler, inventory);

      await expect(service.setStock('1', 100, ADMIN)).resolves.toEqual({
        productId: '1',
        stock: 100,
      });
      expect(inventory.setStock).toHaveBeenCalledWith('1', 100, ADMIN);
    });

    it('answers PRODUCT_NOT_FOUND for a product inventory-service does not know', async () => {
      const inventory = strictFake<InventoryCatalogue>('inventory', {
        setStock: () => Promise.resolve({ kind: 'no-product' }),
      });
      const service = new StockService(strictFake('store'), reconciler, inventory);
      expect(await codeOf(service.setStock('9', 1, ADMIN))).toBe('PRODUCT_NOT_FOUND');
    });

    it('answers SERVICE_UNAVAILABLE when inventory-service fails or does not answer', async () => {
      const inventory = strictFake<InventoryCatalogue>('inventory', {
        setStock: () => Promise.reject(new Error('PUT answered 500')),
      });
      const service = new StockService(strictFake('store'), reconciler, inventory);
      expect(await codeOf(service.setStock('1', 1, ADMIN))).toBe('SERVICE_UNAVAILABLE');
    });
  });

  describe('checkStore', () => {
    it('answers ok while Redis answers', async () => {
      const store = strictFake<StockCountersStore>('store', { ping: () => Promise.resolve() });
      const service = new StockService(store, reconciler, strictFake('inventory'));
      await expect(service.checkStore()).resolves.toEqual({ status: 'ok', redis: 'up' });
    });

    it('answers SERVICE_UNAVAILABLE (503) when Redis does not', async () => {
      const store = strictFake<StockCountersStore>('store', {
        ping: () => Promise.reject(new Error('timed out')),
      });
      const service = new StockService(store, reconciler, strictFake('inventory'));
      expect(await codeOf(service.checkStore())).toBe('SERVICE_UNAVAILABLE');
    });
  });
});
