import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { OrderStockService } from '../src/order-stock/order-stock.service.js';
import { inventoryRequest, inventoryRestore } from './support/messages.js';
import {
  authHeaders,
  removeTestProducts,
  startTestApp,
  uniqueProductId,
} from './support/test-app.js';

interface Snapshot {
  ledgerPosition: string;
  products: { productId: string; stock: number }[];
  queued: unknown[];
  movements: { id: string; orderId: string; productId: string; kind: string; delta: number }[];
}

/**
 * The reconciler's consistent read over HTTP: stock and the ledger rows of the orders it asks
 * about, or that moved since its mark, in one answer; bad input is a 400 with a code.
 */
describe('inventory-sync snapshot for the reconciler (e2e)', () => {
  let app: NestFastifyApplication;
  let orders: OrderStockService;
  const touched = new Set<string>();
  const http = () => request(app.getHttpServer());
  const deduct = (productId: string, quantity: number, orderId: string) =>
    orders.applyRequests([
      { value: inventoryRequest(productId, quantity, orderId), requestId: undefined },
    ]);

  beforeAll(async () => {
    app = await startTestApp();
    orders = app.get(OrderStockService);
  });

  afterAll(async () => {
    if (app) await removeTestProducts(app, touched);
    await app?.close();
  });

  it('answers the stock with the ledger rows of the asked orders and of those moved since the mark', async () => {
    const { admin } = await authHeaders(app);
    const productId = uniqueProductId();
    touched.add(productId);
    await http()
      .post('/api/inventory')
      .set(admin)
      .send({ productId, name: 'Snapshot', priceCents: 100, stock: 10 })
      .expect(201);
    const [early, late, asked, never] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await deduct(productId, 2, early);
    await deduct(productId, 1, asked);
    const mark = (await http().get('/api/inventory-sync/position').expect(200)).body as {
      ledgerPosition: string;
    };
    await deduct(productId, 3, late);
    await orders.applyRestores([
      { value: inventoryRestore(productId, 2, early), requestId: undefined },
    ]);

    const res = await http()
      .post('/api/inventory-sync/snapshot')
      .send({ orderIds: [asked, never], since: mark.ledgerPosition })
      .expect(200);
    const body = res.body as Snapshot;
    expect(body.products).toContainEqual({ productId, stock: 10 - 1 - 3 });
    expect(BigInt(body.ledgerPosition)).toBeGreaterThan(BigInt(mark.ledgerPosition));
    const mine = body.movements
      .filter((m) => m.productId === productId)
      .map((m) => [m.orderId, m.kind, m.delta]);
    // `early`'s deduction predates the mark but comes with its restoration: its whole effect.
    expect(mine).toEqual([
      [early, 'ORDER_DEDUCTION', -2],
      [asked, 'ORDER_DEDUCTION', -1],
      [late, 'ORDER_DEDUCTION', -3],
      [early, 'ORDER_RESTORATION', 2],
    ]);
    expect(body.movements.some((m) => m.orderId === never)).toBe(false);

    // Without a mark: only the asked orders.
    const only = (
      await http()
        .post('/api/inventory-sync/snapshot')
        .send({ orderIds: [asked], since: null })
        .expect(200)
    ).body as Snapshot;
    expect(only.movements.map((m) => m.orderId)).toEqual([asked]);
  });

  it.each([
    [{ orderIds: 'abc', since: null }],
    [{ orderIds: ['not an id!'], since: null }],
    [{ orderIds: [], since: '12ab' }],
    [{ orderIds: [], since: null, extra: 1 }],
    [{ since: null }],
  ])('refuses %j with 400 VALIDATION_FAILED', async (body) => {
    const res = await http().post('/api/inventory-sync/snapshot').send(body).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
  });
});
