import {
  loadInventorySaleFacts,
  loadOrderSaleFacts,
  loadSaleFacts,
  type SqlRows,
} from './sale-audit.loader.js';

/** A store that answers each statement by the table it reads, and fails on any other. */
function tables(rows: Record<string, Record<string, unknown>[]>): SqlRows {
  return (sql) => {
    const table = /FROM (\w+)/.exec(sql)?.[1] ?? '';
    if (!(table in rows)) return Promise.reject(new Error(`unexpected statement: ${sql}`));
    return Promise.resolve(rows[table]);
  };
}

const ORDER_ROW = {
  id: 'o1',
  user_id: 7,
  quantity: '2',
  status: 'CONFIRMED',
  created_at: '2026-01-01T10:00:00.000Z',
  stock_release: null,
  restore: null,
};

describe('sale audit loaders', () => {
  describe(loadOrderSaleFacts.name, () => {
    it('maps the orders rows to audited orders', async () => {
      await expect(loadOrderSaleFacts(tables({ orders: [ORDER_ROW] }), 'P1')).resolves.toEqual([
        {
          id: 'o1',
          userId: '7',
          quantity: 2,
          status: 'CONFIRMED',
          createdAt: new Date('2026-01-01T10:00:00.000Z'),
          stockRelease: null,
          restore: null,
        },
      ]);
    });
  });

  describe(loadInventorySaleFacts.name, () => {
    it('reads the stock of record and the ledger, order movements with their order id', async () => {
      const inventory = tables({
        products: [{ stock: '3' }],
        stock_movements: [
          { kind: 'PRODUCT_CREATED', delta: '5', order_id: null },
          { kind: 'ORDER_DEDUCTION', delta: '-2', order_id: 'o1' },
        ],
      });
      await expect(loadInventorySaleFacts(inventory, 'P1')).resolves.toEqual({
        product: { stock: 3 },
        ledger: [
          { kind: 'PRODUCT_CREATED', delta: 5, orderId: null },
          { kind: 'ORDER_DEDUCTION', delta: -2, orderId: 'o1' },
        ],
      });
    });

    it('gives a null product for a deleted one, keeping its ledger', async () => {
      const inventory = tables({
        products: [],
        stock_movements: [{ kind: 'PRODUCT_DELETED', delta: '0', order_id: null }],
      });
      const facts = await loadInventorySaleFacts(inventory, 'P1');
      expect(facts.product).toBeNull();
      expect(facts.ledger).toHaveLength(1);
    });
  });

  describe(loadSaleFacts.name, () => {
    it("joins both services' halves and the Redis counter", async () => {
      const facts = await loadSaleFacts(
        {
          orders: tables({ orders: [ORDER_ROW] }),
          inventory: tables({ products: [{ stock: 3 }], stock_movements: [] }),
          redisGet: (key) => Promise.resolve(key === 'stock:{P1}' ? '3' : null),
        },
        'P1',
      );
      expect(facts).toMatchObject({ productId: 'P1', product: { stock: 3 }, redisStock: 3 });
      expect(facts.orders.map((o) => o.id)).toEqual(['o1']);
    });
  });
});
