import { DomainError, type AuditedOrder, type InventorySaleFacts } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import type { InventoryCatalogue } from '../stock/inventory-catalogue.js';
import type { StockCountersStore } from '../stock/stock-counters.store.js';
import type { AuditedOrders } from './audited-orders.js';
import { SaleAuditService } from './sale-audit.service.js';

const ADMIN = 'Bearer admin.jwt.sig';
const T0 = new Date('2026-01-01T10:00:00.000Z');

const confirmed = (id: string): AuditedOrder => ({
  id,
  userId: `u-${id}`,
  quantity: 1,
  status: 'CONFIRMED',
  createdAt: T0,
  stockRelease: null,
  restore: null,
});

/** Two units sold out of three: o1 and o2 CONFIRMED, each deducted once; 1 left everywhere. */
const SOLD: InventorySaleFacts = {
  product: { stock: 1 },
  ledger: [
    { kind: 'PRODUCT_CREATED', delta: 3, orderId: null },
    { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o1' },
    { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o2' },
  ],
};

function serviceOver({
  inventory = () => Promise.resolve({ kind: 'ledger' as const, facts: SOLD }),
  orders = () => Promise.resolve([confirmed('o1'), confirmed('o2')]),
  counter = () => Promise.resolve(1 as number | null),
}: {
  inventory?: InventoryCatalogue['fetchLedger'];
  orders?: AuditedOrders['ofProduct'];
  counter?: StockCountersStore['readCounter'];
} = {}) {
  const catalogue = strictFake<InventoryCatalogue>('inventory', { fetchLedger: inventory });
  const store = strictFake<StockCountersStore>('store', { readCounter: counter });
  const audited = strictFake<AuditedOrders>('orders', { ofProduct: orders });
  return { service: new SaleAuditService(audited, store, catalogue), catalogue, audited, store };
}

describe(SaleAuditService.name, () => {
  describe('audit', () => {
    it("audits the product from each owner's half, passing the admin's token to inventory-service", async () => {
      const { service, catalogue, audited, store } = serviceOver();

      const { audit, report } = await service.audit('P1', ADMIN);

      expect(audit).toMatchObject({ productId: 'P1', ok: true, quiet: true, breaches: [] });
      expect(audit.stock).toMatchObject({ expected: 1, actual: 1, redis: 1, confirmedUnits: 2 });
      expect(report).toContain('PASS: every invariant holds');
      expect(catalogue.fetchLedger).toHaveBeenCalledWith('P1', ADMIN);
      expect(audited.ofProduct).toHaveBeenCalledWith('P1');
      expect(store.readCounter).toHaveBeenCalledWith('P1');
    });

    it('answers a breach as a finding: ok false, the breach named, the report failing', async () => {
      const { service } = serviceOver({
        inventory: () =>
          Promise.resolve({
            kind: 'ledger',
            facts: { product: { stock: 1 }, ledger: SOLD.ledger.slice(0, 2) },
          }),
      });

      const { audit, report } = await service.audit('P1', ADMIN);

      expect(audit.ok).toBe(false);
      expect(audit.breaches.map((b) => b.code)).toContain('CONFIRMED_WITHOUT_DEDUCTION');
      expect(audit.breaches.find((b) => b.code === 'CONFIRMED_WITHOUT_DEDUCTION')?.message).toMatch(
        /o2/,
      );
      expect(report).toMatch(/FAIL: \d+ breach/);
    });

    it('answers PRODUCT_NOT_FOUND when inventory-service knows no such product', async () => {
      const { service } = serviceOver({ inventory: () => Promise.resolve({ kind: 'no-product' }) });
      await expect(service.audit('P1', ADMIN)).rejects.toMatchObject({ code: 'PRODUCT_NOT_FOUND' });
    });

    it.each([
      ['inventory-service', { inventory: () => Promise.reject(new Error('GET answered 500')) }],
      ['Redis', { counter: () => Promise.reject(new Error('connection is closed')) }],
      ['the orders database', { orders: () => Promise.reject(new Error('ECONNREFUSED')) }],
    ])('answers SERVICE_UNAVAILABLE with a retry when %s does not answer', async (store, fakes) => {
      const error = await serviceOver(fakes)
        .service.audit('P1', ADMIN)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        details: { retryAfterSeconds: 1 },
      });
      expect((error as DomainError).message).toContain(store);
    });
  });
});
