import { Inject, Injectable } from '@nestjs/common';
import type { InventorySaleFacts } from '@flash-sale/common';
import { productIdSchema } from '@flash-sale/contracts';
import { z } from 'zod';
import { STOCK_SETTINGS, type StockSettings } from './stock-settings.js';
import type { CatalogueEntry } from './stock-counters.store.js';

/** A product of inventory-service's catalogue with its MySQL stock. */
export interface CatalogueProduct extends CatalogueEntry {
  stock: number;
}

const productSchema = z.object({
  productId: productIdSchema,
  name: z.string(),
  priceCents: z.number().int().min(0),
  stock: z.number().int(),
  maxPerUser: z.number().int().min(1).nullish(),
});

const ledgerSchema = z.object({
  product: z.object({ stock: z.number().int() }).nullable(),
  ledger: z.array(
    z.object({
      kind: z.enum([
        'PRODUCT_CREATED',
        'ADMIN_ADJUSTMENT',
        'PRODUCT_DELETED',
        'ORDER_DEDUCTION',
        'ORDER_RESTORATION',
      ]),
      delta: z.number().int(),
      orderId: z.string().nullable(),
    }),
  ),
}) satisfies z.ZodType<InventorySaleFacts>;

const queuedSchema = z.object({
  items: z.array(
    z.object({
      id: z.string().regex(/^[0-9]+$/),
      productId: z.string(),
      counterOp: z.string(),
      amount: z.number().int().nullable(),
    }),
  ),
});

/** An admin change committed in MySQL and still queued for the Redis counter. */
export interface QueuedCounterChange {
  /** inventory-service's redis_outbox id (grows; a product's changes apply in id order). */
  id: number;
  productId: string;
  /** SET | SET_IF_MISSING | ADJUST | REMOVE | NONE. */
  counterOp: string;
  amount: number | null;
}

const movementSchema = z.object({
  id: z.string().regex(/^[0-9]+$/),
  orderId: z.string(),
  productId: z.string(),
  kind: z.enum(['ORDER_DEDUCTION', 'ORDER_RESTORATION']),
  delta: z.number().int(),
});

const snapshotSchema = z.object({
  ledgerPosition: z.string().regex(/^[0-9]+$/),
  products: z.array(z.object({ productId: z.string(), stock: z.number().int() })),
  queued: queuedSchema.shape.items,
  movements: z.array(movementSchema),
});

/** A row of inventory-service's stock ledger for an order: a deduction (< 0) or restoration (> 0). */
export type OrderMovement = z.infer<typeof movementSchema>;

/**
 * inventory-service's state as one consistent read (`POST /api/inventory-sync/snapshot`): the
 * stock of every product, the admin changes still queued for Redis, and the ledger rows of the
 * orders asked about and of every order with a row above the mark.
 */
export interface InventorySnapshot {
  stock: Map<string, number>;
  queued: QueuedCounterChange[];
  /** Ledger rows by id (rows of several chunked reads merged). */
  movements: Map<string, OrderMovement>;
}

const TIMEOUT_MS = 5_000;
/**
 * Order ids per snapshot request: ~40 bytes each keeps a request well under inventory-service's
 * default BODY_LIMIT (16 KiB).
 */
export const SNAPSHOT_CHUNK = 250;

/** What inventory-service answered to a stock change. */
export type StockChangeResult = { kind: 'set'; stock: number } | { kind: 'no-product' };

/** What inventory-service answered for a product's ledger. */
export type LedgerResult = { kind: 'ledger'; facts: InventorySaleFacts } | { kind: 'no-product' };

/**
 * inventory-service's HTTP API: the catalogue and its stock of record, read by the reconciler; the
 * admin's stock change of the original API's `PUT /api/stock/:productId`; and a product's ledger
 * for the sale audit. Never on the hot path.
 */
@Injectable()
export class InventoryCatalogue {
  constructor(
    @Inject(STOCK_SETTINGS) private readonly settings: Pick<StockSettings, 'inventoryServiceUrl'>,
  ) {}

  async fetchAll(): Promise<CatalogueProduct[]> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory`;
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    const body: unknown = await response.json();
    const list = Array.isArray(body) ? body : ((body as { items?: unknown[] } | null)?.items ?? []);
    const products: CatalogueProduct[] = [];
    for (const item of list) {
      const parsed = productSchema.safeParse(item);
      if (!parsed.success) continue;
      const { productId, name, priceCents, stock, maxPerUser } = parsed.data;
      products.push({ productId, name, priceCents, stock, maxPerUser: maxPerUser ?? null });
    }
    return products;
  }

  /**
   * Admin changes MySQL already holds and the Redis counters may not yet (inventory-service's
   * redis_outbox). Read after the stock, so a change committed in between is counted as queued
   * without being in the stock read: the expected counter then errs low, never high.
   */
  async fetchQueuedChanges(): Promise<QueuedCounterChange[]> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory-sync/pending`;
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return queuedSchema
      .parse(await response.json())
      .items.map((item) => ({ ...item, id: Number(item.id) }));
  }

  /** The highest stock ledger id now: the mark a later {@link fetchSnapshot} lists rows above. */
  async fetchLedgerPosition(): Promise<string> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory-sync/position`;
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return z.object({ ledgerPosition: z.string().regex(/^[0-9]+$/) }).parse(await response.json())
      .ledgerPosition;
  }

  /**
   * inventory-service's stock with the ledger rows of `orderIds` and of every order with a row
   * above `since`, read in one snapshot. More ids than fit one request are asked in chunks, each
   * its own snapshot, the last one giving the stock: rows seen by an earlier chunk stay true
   * later (the ledger only grows), and anything written after the mark is listed by the last.
   */
  async fetchSnapshot(orderIds: string[], since: string): Promise<InventorySnapshot> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory-sync/snapshot`;
    const movements = new Map<string, OrderMovement>();
    const chunks: string[][] = [];
    for (let i = 0; i < orderIds.length; i += SNAPSHOT_CHUNK) {
      chunks.push(orderIds.slice(i, i + SNAPSHOT_CHUNK));
    }
    if (chunks.length === 0) chunks.push([]);
    let last: z.infer<typeof snapshotSchema> | undefined;
    for (const [i, chunk] of chunks.entries()) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderIds: chunk, since: i === chunks.length - 1 ? since : null }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`POST ${url} answered ${response.status}`);
      last = snapshotSchema.parse(await response.json());
      for (const movement of last.movements) movements.set(movement.id, movement);
    }
    const final = last as z.infer<typeof snapshotSchema>;
    return {
      stock: new Map(final.products.map((p) => [p.productId, p.stock])),
      queued: final.queued.map((item) => ({ ...item, id: Number(item.id) })),
      movements,
    };
  }

  /**
   * Sets a product's stock of record through inventory-service (which moves the Redis counter by
   * the difference), on behalf of the admin whose `Authorization` header is passed on.
   */
  async setStock(
    productId: string,
    stock: number,
    authorization: string,
  ): Promise<StockChangeResult> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory/${encodeURIComponent(productId)}`;
    const response = await fetch(url, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ stock }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 404) return { kind: 'no-product' };
    if (!response.ok) throw new Error(`PUT ${url} answered ${response.status}`);
    return { kind: 'set', stock: productSchema.parse(await response.json()).stock };
  }

  /**
   * A product's stock of record and ledger (`GET /api/inventory/:productId/ledger`), read on
   * behalf of the admin whose `Authorization` header is passed on. Rejects when inventory-service
   * does not answer, answers anything but 200 / 404, or answers a body of another shape.
   */
  async fetchLedger(productId: string, authorization: string): Promise<LedgerResult> {
    const url = `${this.settings.inventoryServiceUrl}/api/inventory/${encodeURIComponent(productId)}/ledger`;
    const response = await fetch(url, {
      headers: { authorization },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.status === 404) return { kind: 'no-product' };
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    return { kind: 'ledger', facts: ledgerSchema.parse(await response.json()) };
  }
}
