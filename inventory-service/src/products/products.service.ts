import { Inject, Injectable } from '@nestjs/common';
import { RedisSyncService } from '../redis-sync/redis-sync.service.js';
import {
  CounterOperation,
  type CatalogueEntry,
  type RedisUpdate,
} from '../redis-sync/redis-update.js';
import { StockMovementKind } from '../stock-ledger/stock-movement.js';
import type { Actor, NewProduct, Product, ProductChanges } from './product.js';
import { productExists, productNotFound } from './products.errors.js';
import { ProductsRepository, type CatalogueTransaction } from './products.repository.js';

/** Injection token of the demo catalogue (a constant in production, small and unique in tests). */
export const DEMO_CATALOGUE_TOKEN = Symbol('DEMO_CATALOGUE');

/** What initialize did: the products it created, and every demo product as it is now. */
export interface InitializedCatalogue {
  created: string[];
  products: Product[];
}

/**
 * The admin catalogue. Every stock change writes a ledger row and queues its Redis update in the
 * same transaction; the update reaches Redis right after the commit (see RedisSyncService).
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly redisSync: RedisSyncService,
    @Inject(DEMO_CATALOGUE_TOKEN) private readonly demoCatalogue: readonly NewProduct[],
  ) {}

  list(): Promise<Product[]> {
    return this.products.list();
  }

  async get(productId: string): Promise<Product> {
    const product = await this.products.find(productId);
    if (!product) throw productNotFound(productId);
    return product;
  }

  async create(input: NewProduct, actor: Actor): Promise<Product> {
    const product = await this.products.transaction(async (tx) => {
      if (!(await tx.insert(input))) throw productExists(input.productId);
      await this.recordCreation(tx, input, actor);
      return this.reload(tx, input.productId);
    });
    await this.redisSync.flush();
    return product;
  }

  /**
   * Applies the given changes. A new stock is taken as the admin's absolute figure; Redis gets the
   * difference, so units reserved by orders still in flight stay reserved.
   */
  async update(productId: string, changes: ProductChanges, actor: Actor): Promise<Product> {
    const result = await this.products.transaction(async (tx) => {
      const current = await tx.findForUpdate(productId);
      if (!current) throw productNotFound(productId);
      const effective = changedFields(current, changes);
      if (Object.keys(effective).length === 0) return { product: current, changed: false };

      await tx.update(productId, effective);
      const delta = effective.stock === undefined ? 0 : effective.stock - current.stock;
      if (delta !== 0) {
        await tx.recordMovements([
          {
            productId,
            kind: StockMovementKind.AdminAdjustment,
            delta,
            orderId: null,
            actorUserId: actor.userId,
          },
        ]);
      }
      await tx.enqueueRedisUpdates([
        {
          productId,
          counter:
            delta === 0
              ? { op: CounterOperation.None }
              : { op: CounterOperation.Adjust, amount: delta },
          catalogue: { op: 'PUT', entry: catalogueEntryOf({ ...current, ...effective }) },
        },
      ]);
      return { product: await this.reload(tx, productId), changed: true };
    });
    if (result.changed) await this.redisSync.flush();
    return result.product;
  }

  /** Deletes a product: it stops selling at once (its counter goes); its ledger stays. */
  async remove(productId: string, actor: Actor): Promise<void> {
    await this.products.transaction(async (tx) => {
      const current = await tx.findForUpdate(productId);
      if (!current) throw productNotFound(productId);
      await tx.remove(productId);
      await tx.recordMovements([
        {
          productId,
          kind: StockMovementKind.ProductDeleted,
          delta: -current.stock,
          orderId: null,
          actorUserId: actor.userId,
        },
      ]);
      await tx.enqueueRedisUpdates([
        { productId, counter: { op: CounterOperation.Remove }, catalogue: { op: 'REMOVE' } },
      ]);
    });
    await this.redisSync.flush();
  }

  /**
   * Creates the demo products that are missing and loads their Redis entries. Idempotent: an
   * existing product keeps its stock, and its counter is only set when it is missing (a live
   * counter may hold reservations of orders in flight, which a reset would forget).
   */
  async initializeDemoCatalogue(actor: Actor): Promise<InitializedCatalogue> {
    const demo = [...this.demoCatalogue].sort((a, b) => compare(a.productId, b.productId));
    const created = await this.products.transaction(async (tx) => {
      const createdIds: string[] = [];
      const updates: RedisUpdate[] = [];
      // Sorted, so concurrent initializations lock products in the same order.
      for (const product of demo) {
        if (await tx.insert(product)) {
          await this.recordCreation(tx, product, actor);
          createdIds.push(product.productId);
          continue;
        }
        const existing = await this.reload(tx, product.productId);
        updates.push({
          productId: existing.productId,
          counter: { op: CounterOperation.SetIfMissing, amount: existing.stock },
          catalogue: { op: 'PUT', entry: catalogueEntryOf(existing) },
        });
      }
      await tx.enqueueRedisUpdates(updates);
      return createdIds;
    });
    await this.redisSync.flush();
    return {
      created,
      products: await this.products.findMany(demo.map((p) => p.productId)),
    };
  }

  private async recordCreation(
    tx: CatalogueTransaction,
    product: NewProduct,
    actor: Actor,
  ): Promise<void> {
    await tx.recordMovements([
      {
        productId: product.productId,
        kind: StockMovementKind.ProductCreated,
        delta: product.stock,
        orderId: null,
        actorUserId: actor.userId,
      },
    ]);
    await tx.enqueueRedisUpdates([
      {
        productId: product.productId,
        counter: { op: CounterOperation.Set, amount: product.stock },
        catalogue: { op: 'PUT', entry: catalogueEntryOf(product) },
      },
    ]);
  }

  /** The product as the transaction sees it now (with the timestamps MySQL set). */
  private async reload(tx: CatalogueTransaction, productId: string): Promise<Product> {
    const product = await tx.findForUpdate(productId);
    if (!product) throw new Error(`product ${productId} vanished inside its own transaction`);
    return product;
  }
}

/** The changes that really differ from the current product. */
function changedFields(current: Product, changes: ProductChanges): ProductChanges {
  const effective: ProductChanges = {};
  if (changes.name !== undefined && changes.name !== current.name) effective.name = changes.name;
  if (changes.priceCents !== undefined && changes.priceCents !== current.priceCents) {
    effective.priceCents = changes.priceCents;
  }
  if (changes.stock !== undefined && changes.stock !== current.stock) {
    effective.stock = changes.stock;
  }
  if (changes.maxPerUser !== undefined && changes.maxPerUser !== current.maxPerUser) {
    effective.maxPerUser = changes.maxPerUser;
  }
  return effective;
}

function catalogueEntryOf(product: NewProduct): CatalogueEntry {
  return { name: product.name, priceCents: product.priceCents, maxPerUser: product.maxPerUser };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
