import { randomUUID } from 'node:crypto';
import {
  InventoryFailureReason,
  type InventoryRequest,
  type InventoryRestore,
  type InventoryRestoreResponse,
} from '@flash-sale/contracts';
import type { StockMovement } from '../stock-ledger/stock-movement.js';
import type {
  InventoryResponsePublisher,
  OutgoingResponse,
} from './inventory-response.publisher.js';
import type { OrderStockRepository, OrderStockTransaction } from './order-stock.repository.js';
import { OrderStockService, type OrderMessage } from './order-stock.service.js';
import { OrderOutcome, type ProcessedOrder } from './processed-order.js';

interface State {
  stock: Map<string, number>;
  /** Products' own per-user caps (absent: none). */
  caps: Map<string, number>;
  /** `user_product_units`, keyed `productId|userId`. */
  userUnits: Map<string, number>;
  processed: Map<string, ProcessedOrder>;
  movements: StockMovement[];
}

const clone = (state: State): State => ({
  stock: new Map(state.stock),
  caps: new Map(state.caps),
  userUnits: new Map(state.userUnits),
  processed: new Map([...state.processed].map(([id, order]) => [id, { ...order }])),
  movements: [...state.movements],
});

/** The repository in memory: a transaction works on a copy, kept only if the work resolves. */
class FakeOrderStockRepository {
  state: State = {
    stock: new Map(),
    caps: new Map(),
    userUnits: new Map(),
    processed: new Map(),
    movements: [],
  };
  /** The user rows locked, in the order they were locked. */
  readonly lockedUsers: string[] = [];
  readonly events: string[] = [];
  readonly calls = { deductIfAvailable: 0, lockStock: 0 };
  failNextCommit = false;

  async transaction<T>(work: (tx: OrderStockTransaction) => Promise<T>): Promise<T> {
    const draft = clone(this.state);
    const result = await work(this.transactionOn(draft));
    if (this.failNextCommit) {
      this.failNextCommit = false;
      throw new Error('simulated commit failure');
    }
    this.state = draft;
    this.events.push('commit');
    return result;
  }

  private transactionOn(draft: State): OrderStockTransaction {
    return {
      findProcessed: (orderIds) =>
        Promise.resolve(
          new Map(
            orderIds.flatMap((id) => {
              const order = draft.processed.get(id);
              return order ? [[id, { ...order }] as const] : [];
            }),
          ),
        ),
      deductIfAvailable: (productId, quantity) => {
        this.calls.deductIfAvailable++;
        const stock = draft.stock.get(productId);
        if (stock === undefined || stock < quantity) return Promise.resolve(false);
        draft.stock.set(productId, stock - quantity);
        return Promise.resolve(true);
      },
      lockStock: (productId) => {
        this.calls.lockStock++;
        return Promise.resolve(draft.stock.get(productId) ?? null);
      },
      readCap: (productId) =>
        Promise.resolve(
          draft.stock.has(productId) ? { maxPerUser: draft.caps.get(productId) ?? null } : null,
        ),
      lockUserUnits: (productId, userIds) => {
        const held = new Map<string, number>();
        for (const userId of [...new Set(userIds)].sort()) {
          const key = `${productId}|${userId}`;
          if (!draft.userUnits.has(key)) draft.userUnits.set(key, 0);
          this.lockedUsers.push(key);
          held.set(userId, draft.userUnits.get(key)!);
        }
        return Promise.resolve(held);
      },
      addUserUnits: (productId, additions) => {
        let added = 0;
        for (const { userId, units, cap } of additions) {
          const key = `${productId}|${userId}`;
          const held = draft.userUnits.get(key);
          if (held === undefined || held + units > cap) continue;
          draft.userUnits.set(key, held + units);
          added += 1;
        }
        return Promise.resolve(added);
      },
      removeUserUnits: (productId, userId, units) => {
        const key = `${productId}|${userId}`;
        const held = draft.userUnits.get(key);
        if (held !== undefined) draft.userUnits.set(key, Math.max(0, held - units));
        return Promise.resolve();
      },
      addStock: (productId, quantity) => {
        const stock = draft.stock.get(productId);
        if (stock === undefined) return Promise.resolve(false);
        draft.stock.set(productId, stock + quantity);
        return Promise.resolve(true);
      },
      insertProcessed: (orders) => {
        for (const order of orders) {
          if (draft.processed.has(order.orderId)) {
            return Promise.reject(new Error(`duplicate order ${order.orderId}`));
          }
          draft.processed.set(order.orderId, { ...order });
        }
        return Promise.resolve();
      },
      markRestored: (orderIds, restoredAt, gaveUnitsBack) => {
        for (const id of orderIds) {
          const order = draft.processed.get(id)!;
          order.restoredAt = restoredAt;
          order.restoredQuantity = gaveUnitsBack ? order.quantity : 0;
        }
        return Promise.resolve();
      },
      recordMovements: (movements) => {
        draft.movements.push(...movements);
        return Promise.resolve();
      },
    };
  }
}

class FakePublisher {
  readonly published: OutgoingResponse[][] = [];
  readonly restoreAnswers: InventoryRestoreResponse[][] = [];
  failNext = false;

  constructor(private readonly events: string[]) {}

  publish(responses: OutgoingResponse[]): Promise<void> {
    this.events.push('publish');
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('simulated Kafka outage'));
    }
    this.published.push(responses);
    return Promise.resolve();
  }

  publishRestoreAnswers(answers: { answer: InventoryRestoreResponse }[]): Promise<void> {
    this.events.push('publish-restore-answers');
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('simulated Kafka outage'));
    }
    this.restoreAnswers.push(answers.map((a) => a.answer));
    return Promise.resolve();
  }
}

const NOW = new Date('2026-03-01T10:00:00.000Z');

function restoreAnswer(
  orderId: string,
  productId: string,
  quantity: number,
  outcome: InventoryRestoreResponse['outcome'],
  restoredQuantity: number,
): InventoryRestoreResponse {
  return {
    schemaVersion: 1,
    orderId,
    productId,
    quantity,
    outcome,
    restoredQuantity,
    processedAt: NOW.toISOString(),
  };
}

function request(
  productId: string,
  quantity: number,
  orderId = randomUUID(),
  more: Partial<InventoryRequest> = {},
): InventoryRequest {
  return {
    ...more,
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId,
    userId: more.userId ?? '7',
    productId,
    quantity,
    requestedAt: NOW.toISOString(),
  };
}

function restore(productId: string, quantity: number, orderId: string): InventoryRestore {
  return {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId,
    productId,
    quantity,
    requestedAt: NOW.toISOString(),
  };
}

const asMessages = <T>(values: T[]): OrderMessage<T>[] =>
  values.map((value, i) => ({ value, requestId: `req-${i}` }));

describe(OrderStockService.name, () => {
  let repository: FakeOrderStockRepository;
  let publisher: FakePublisher;
  let service: OrderStockService;

  beforeEach(() => {
    repository = new FakeOrderStockRepository();
    publisher = new FakePublisher(repository.events);
    const clock = { now: () => NOW };
    service = new OrderStockService(
      repository as unknown as OrderStockRepository,
      publisher as unknown as InventoryResponsePublisher,
      clock,
    );
  });

  const stockOf = (productId: string) => repository.state.stock.get(productId);
  const answers = () => publisher.published.flat().map((o) => o.response);

  describe('applyRequests', () => {
    it('deducts, records the order and a ledger row, then publishes the success after commit', async () => {
      repository.state.stock.set('SKU-1', 10);
      const order = request('SKU-1', 3);

      await service.applyRequests(asMessages([order]));

      expect(stockOf('SKU-1')).toBe(7);
      expect(repository.state.processed.get(order.orderId)).toMatchObject({
        outcome: OrderOutcome.Deducted,
        quantity: 3,
      });
      expect(repository.state.movements).toEqual([
        {
          productId: 'SKU-1',
          kind: 'ORDER_DEDUCTION',
          delta: -3,
          orderId: order.orderId,
          actorUserId: null,
        },
      ]);
      expect(repository.events).toEqual(['commit', 'publish']);
      expect(publisher.published[0]).toEqual([
        {
          requestId: 'req-0',
          response: {
            schemaVersion: 1,
            orderId: order.orderId,
            productId: 'SKU-1',
            quantity: 3,
            success: true,
            processedAt: NOW.toISOString(),
          },
        },
      ]);
    });

    it('refuses with INSUFFICIENT_STOCK when the stock is short, deducting nothing', async () => {
      repository.state.stock.set('SKU-1', 2);
      await service.applyRequests(asMessages([request('SKU-1', 3)]));
      expect(stockOf('SKU-1')).toBe(2);
      expect(answers()).toEqual([
        expect.objectContaining({
          success: false,
          reason: InventoryFailureReason.InsufficientStock,
        }),
      ]);
      expect(repository.state.movements).toEqual([]);
    });

    it('refuses with PRODUCT_NOT_FOUND for an unknown product', async () => {
      await service.applyRequests(asMessages([request('NOPE', 1)]));
      expect(answers()).toEqual([
        expect.objectContaining({ success: false, reason: InventoryFailureReason.ProductNotFound }),
      ]);
      expect(repository.state.processed.size).toBe(1);
    });

    it('serves a batch first come, first served: a later smaller request may still fit', async () => {
      repository.state.stock.set('SKU-1', 5);
      const batch = [request('SKU-1', 3), request('SKU-1', 3), request('SKU-1', 2)];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => a.success)).toEqual([true, false, true]);
      expect(stockOf('SKU-1')).toBe(0);
    });

    it('uses one conditional update per product when the whole batch fits', async () => {
      repository.state.stock.set('A', 100);
      repository.state.stock.set('B', 100);
      const batch = Array.from({ length: 50 }, (_, i) => request(i % 2 ? 'A' : 'B', 1));
      await service.applyRequests(asMessages(batch));
      expect(repository.calls).toEqual({ deductIfAvailable: 2, lockStock: 0 });
      expect([stockOf('A'), stockOf('B')]).toEqual([75, 75]);
    });

    it('needs three statements, not one per request, for a product that runs out', async () => {
      repository.state.stock.set('SKU-1', 10);
      await service.applyRequests(
        asMessages(Array.from({ length: 40 }, () => request('SKU-1', 1))),
      );
      expect(repository.calls).toEqual({ deductIfAvailable: 2, lockStock: 1 });
      expect(answers().filter((a) => a.success)).toHaveLength(10);
    });

    it('deducts once for an order repeated in a batch, answering each copy the same', async () => {
      repository.state.stock.set('SKU-1', 5);
      const order = request('SKU-1', 2);
      await service.applyRequests(asMessages([order, { ...order, messageId: randomUUID() }]));
      expect(stockOf('SKU-1')).toBe(3);
      const [first, second] = answers();
      expect(second).toEqual(first);
    });

    it('answers a recorded order with its recorded outcome, deducting nothing', async () => {
      repository.state.stock.set('SKU-1', 1);
      const order = request('SKU-1', 1);
      await service.applyRequests(asMessages([order]));
      expect(stockOf('SKU-1')).toBe(0);

      repository.state.stock.set('SKU-1', 50);
      await service.applyRequests(asMessages([order]));
      expect(stockOf('SKU-1')).toBe(50);
      const [first, again] = answers();
      expect(again).toEqual(first);
      expect(again).toMatchObject({ success: true });
    });

    it('answers the recorded product and quantity when a redelivery disagrees', async () => {
      repository.state.stock.set('SKU-1', 5);
      const order = request('SKU-1', 2);
      await service.applyRequests(asMessages([order]));
      await service.applyRequests(asMessages([{ ...order, quantity: 4 }]));
      expect(answers()[1]).toMatchObject({ productId: 'SKU-1', quantity: 2, success: true });
      expect(stockOf('SKU-1')).toBe(3);
    });

    it('takes nothing for an order cancelled before its request, and answers nothing', async () => {
      repository.state.stock.set('SKU-1', 5);
      const order = request('SKU-1', 2);
      await service.applyRestores(asMessages([restore('SKU-1', 2, order.orderId)]));

      const other = request('SKU-1', 1);
      await service.applyRequests(asMessages([order, other]));
      expect(stockOf('SKU-1')).toBe(4);
      expect(answers().map((a) => a.orderId)).toEqual([other.orderId]);
    });

    it('publishes nothing when the transaction fails, so the retried batch starts afresh', async () => {
      repository.state.stock.set('SKU-1', 5);
      repository.failNextCommit = true;
      const order = request('SKU-1', 2);
      await expect(service.applyRequests(asMessages([order]))).rejects.toThrow('commit');
      expect(publisher.published).toEqual([]);
      expect(stockOf('SKU-1')).toBe(5);

      await service.applyRequests(asMessages([order]));
      expect(stockOf('SKU-1')).toBe(3);
    });

    it('fails when publishing fails, and the retry re-sends the outcome without deducting again', async () => {
      repository.state.stock.set('SKU-1', 5);
      publisher.failNext = true;
      const order = request('SKU-1', 2);
      await expect(service.applyRequests(asMessages([order]))).rejects.toThrow('Kafka');
      expect(stockOf('SKU-1')).toBe(3);

      await service.applyRequests(asMessages([order]));
      expect(stockOf('SKU-1')).toBe(3);
      expect(answers()).toEqual([
        expect.objectContaining({ orderId: order.orderId, success: true }),
      ]);
    });

    it('decides each product of a mixed batch on its own', async () => {
      repository.state.stock.set('PLENTY', 10);
      repository.state.stock.set('SOLD-OUT', 0);
      const batch = [request('SOLD-OUT', 1), request('PLENTY', 4), request('MISSING', 1)];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => [a.productId, a.success, a.reason])).toEqual([
        ['SOLD-OUT', false, InventoryFailureReason.InsufficientStock],
        ['PLENTY', true, undefined],
        ['MISSING', false, InventoryFailureReason.ProductNotFound],
      ]);
    });
  });

  describe('applyRequests with a per-user cap', () => {
    const unitsOf = (productId: string, userId: string) =>
      repository.state.userUnits.get(`${productId}|${userId}`);
    const buy = (productId: string, quantity: number, userId: string, more = {}) =>
      request(productId, quantity, randomUUID(), { userId, ...more });

    it("refuses with PURCHASE_LIMIT_EXCEEDED what would take a buyer over the product's cap", async () => {
      repository.state.stock.set('CAP', 100);
      repository.state.caps.set('CAP', 3);
      await service.applyRequests(asMessages([buy('CAP', 2, '1')]));
      await service.applyRequests(asMessages([buy('CAP', 2, '1'), buy('CAP', 1, '1')]));
      expect(answers().map((a) => a.reason)).toEqual([
        undefined,
        InventoryFailureReason.PurchaseLimitExceeded,
        undefined,
      ]);
      expect(unitsOf('CAP', '1')).toBe(3);
      expect(stockOf('CAP')).toBe(97);
      expect(repository.state.movements).toHaveLength(2);
    });

    it('holds each buyer to the cap on their own within one batch', async () => {
      repository.state.stock.set('CAP', 100);
      repository.state.caps.set('CAP', 2);
      const batch = [
        buy('CAP', 1, '2'),
        buy('CAP', 1, '1'),
        buy('CAP', 1, '2'),
        buy('CAP', 1, '2'),
      ];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => a.success)).toEqual([true, true, true, false]);
      expect([unitsOf('CAP', '1'), unitsOf('CAP', '2')]).toEqual([1, 2]);
      expect(repository.lockedUsers).toEqual(['CAP|1', 'CAP|2']);
    });

    it("applies the request's default cap to a product without its own", async () => {
      repository.state.stock.set('OPEN', 100);
      const batch = [
        buy('OPEN', 4, '1', { defaultMaxPerUser: 5 }),
        buy('OPEN', 2, '1', { defaultMaxPerUser: 5 }),
      ];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => a.success)).toEqual([true, false]);
      expect(unitsOf('OPEN', '1')).toBe(4);
    });

    it("prefers the product's own cap to the request's default", async () => {
      repository.state.stock.set('CAP', 100);
      repository.state.caps.set('CAP', 6);
      await service.applyRequests(asMessages([buy('CAP', 6, '1', { defaultMaxPerUser: 2 })]));
      expect(answers()[0]).toMatchObject({ success: true });
    });

    it('counts nothing for an uncapped product, nor for an older request without a default cap', async () => {
      repository.state.stock.set('OPEN', 100);
      await service.applyRequests(
        asMessages([buy('OPEN', 50, '1'), buy('OPEN', 20, '1', { defaultMaxPerUser: 0 })]),
      );
      expect(answers().every((a) => a.success)).toBe(true);
      expect(repository.state.userUnits.size).toBe(0);
      expect(repository.lockedUsers).toEqual([]);
      const [first] = [...repository.state.processed.values()];
      expect(first).toMatchObject({ userId: '1', userCounted: false });
    });

    it('counts only the units that were deducted when the stock runs short', async () => {
      repository.state.stock.set('CAP', 3);
      repository.state.caps.set('CAP', 5);
      const batch = [buy('CAP', 2, '1'), buy('CAP', 2, '2'), buy('CAP', 1, '1')];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => a.reason)).toEqual([
        undefined,
        InventoryFailureReason.InsufficientStock,
        undefined,
      ]);
      expect([unitsOf('CAP', '1'), unitsOf('CAP', '2')]).toEqual([3, 0]);
    });

    it('checks the cap before the stock: an over-cap request takes no units a later one can use', async () => {
      repository.state.stock.set('CAP', 2);
      repository.state.caps.set('CAP', 3);
      repository.state.userUnits.set('CAP|1', 2);
      const batch = [buy('CAP', 2, '1'), buy('CAP', 2, '2')];
      await service.applyRequests(asMessages(batch));
      expect(answers().map((a) => a.reason)).toEqual([
        InventoryFailureReason.PurchaseLimitExceeded,
        undefined,
      ]);
      expect(stockOf('CAP')).toBe(0);
    });

    it("gives a restored deduction's units back to its buyer's count, once", async () => {
      repository.state.stock.set('CAP', 10);
      repository.state.caps.set('CAP', 2);
      const first = buy('CAP', 2, '1');
      await service.applyRequests(asMessages([first]));
      await service.applyRestores(asMessages([restore('CAP', 2, first.orderId)]));
      await service.applyRestores(asMessages([restore('CAP', 2, first.orderId)]));
      expect(unitsOf('CAP', '1')).toBe(0);

      await service.applyRequests(asMessages([buy('CAP', 2, '1')]));
      expect(answers().map((a) => a.success)).toEqual([true, true]);
      expect(unitsOf('CAP', '1')).toBe(2);
    });

    it('leaves the counts alone when restoring an uncounted or refused order', async () => {
      repository.state.stock.set('CAP', 10);
      repository.state.caps.set('CAP', 2);
      repository.state.userUnits.set('CAP|1', 2);
      const refused = buy('CAP', 1, '1');
      await service.applyRequests(asMessages([refused]));
      await service.applyRestores(asMessages([restore('CAP', 1, refused.orderId)]));
      expect(unitsOf('CAP', '1')).toBe(2);
    });
  });

  describe('applyRestores', () => {
    async function deducted(productId: string, quantity: number): Promise<string> {
      const order = request(productId, quantity);
      await service.applyRequests(asMessages([order]));
      return order.orderId;
    }

    it('gives a deducted order its units back once, with a ledger row', async () => {
      repository.state.stock.set('SKU-1', 10);
      const orderId = await deducted('SKU-1', 4);

      const first = await service.applyRestores(asMessages([restore('SKU-1', 4, orderId)]));
      const second = await service.applyRestores(asMessages([restore('SKU-1', 4, orderId)]));

      expect(first.restored).toEqual([orderId]);
      expect(second).toMatchObject({
        restored: [],
        ignored: [orderId],
        cancelledBeforeRequest: [],
      });
      // Both copies are answered from the record: the repeat says RESTORED again, adds nothing.
      expect(publisher.restoreAnswers).toEqual([
        [restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4)],
        [restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4)],
      ]);
      expect(stockOf('SKU-1')).toBe(10);
      expect(repository.state.movements.map((m) => [m.kind, m.delta])).toEqual([
        ['ORDER_DEDUCTION', -4],
        ['ORDER_RESTORATION', 4],
      ]);
      expect(repository.state.processed.get(orderId)).toMatchObject({
        restoredAt: NOW,
        restoredQuantity: 4,
      });
    });

    it('restores once when the same restore appears twice in a batch', async () => {
      repository.state.stock.set('SKU-1', 10);
      const orderId = await deducted('SKU-1', 4);
      const message = restore('SKU-1', 4, orderId);
      const summary = await service.applyRestores(asMessages([message, message]));
      expect(stockOf('SKU-1')).toBe(10);
      expect(summary.answers).toEqual([
        restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4),
        restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4),
      ]);
    });

    it('answers only after the commit, and a failed answer is resent by the retried batch without restoring twice', async () => {
      repository.state.stock.set('SKU-1', 10);
      const orderId = await deducted('SKU-1', 4);
      repository.events.length = 0;
      publisher.failNext = true;
      const message = asMessages([restore('SKU-1', 4, orderId)]);
      await expect(service.applyRestores(message)).rejects.toThrow('simulated Kafka outage');
      expect(repository.events).toEqual(['commit', 'publish-restore-answers']);
      await service.applyRestores(message);
      expect(stockOf('SKU-1')).toBe(10);
      expect(publisher.restoreAnswers).toEqual([
        [restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4)],
      ]);
    });

    it('gives back the recorded quantity, whatever the restore says', async () => {
      repository.state.stock.set('SKU-1', 10);
      const orderId = await deducted('SKU-1', 4);
      const summary = await service.applyRestores(asMessages([restore('SKU-1', 9, orderId)]));
      expect(stockOf('SKU-1')).toBe(10);
      expect(summary.answers).toEqual([restoreAnswer(orderId, 'SKU-1', 4, 'RESTORED', 4)]);
    });

    it('gives nothing back for a refused order', async () => {
      repository.state.stock.set('SKU-1', 1);
      const orderId = await deducted('SKU-1', 5);
      const summary = await service.applyRestores(asMessages([restore('SKU-1', 5, orderId)]));
      expect(summary.ignored).toEqual([orderId]);
      expect(summary.answers).toEqual([restoreAnswer(orderId, 'SKU-1', 5, 'NOT_DEDUCTED', 0)]);
      expect(stockOf('SKU-1')).toBe(1);
      expect(repository.state.processed.get(orderId)).toMatchObject({ restoredQuantity: 0 });
    });

    it('records an order it has not seen as cancelled', async () => {
      const orderId = randomUUID();
      const summary = await service.applyRestores(asMessages([restore('SKU-1', 2, orderId)]));
      expect(summary.cancelledBeforeRequest).toEqual([orderId]);
      expect(summary.answers).toEqual([restoreAnswer(orderId, 'SKU-1', 2, 'NOT_DEDUCTED', 0)]);
      expect(repository.state.processed.get(orderId)).toMatchObject({
        outcome: OrderOutcome.Cancelled,
        restoredQuantity: 0,
      });
    });

    it('gives nothing back when the product was deleted since', async () => {
      repository.state.stock.set('SKU-1', 5);
      const orderId = await deducted('SKU-1', 2);
      repository.state.stock.delete('SKU-1');
      const summary = await service.applyRestores(asMessages([restore('SKU-1', 2, orderId)]));
      expect(summary.ignored).toEqual([orderId]);
      expect(summary.answers).toEqual([restoreAnswer(orderId, 'SKU-1', 2, 'PRODUCT_DELETED', 0)]);
      expect(repository.state.movements.map((m) => m.kind)).toEqual(['ORDER_DEDUCTION']);
    });
  });
});
