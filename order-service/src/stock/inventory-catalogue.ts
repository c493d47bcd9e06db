import { Inject, Injectable } from '@nestjs/common';
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

const TIMEOUT_MS = 5_000;

/**
 * inventory-service's public catalogue over HTTP: the products and their stock of record. Used by
 * the reconciler only, never on the hot path.
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
}
