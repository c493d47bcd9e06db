import { Injectable } from '@nestjs/common';
import { auditSale, renderSaleAudit, type DomainError, type SaleAudit } from '@flash-sale/common';
import { InventoryCatalogue } from '../stock/inventory-catalogue.js';
import { StockCountersStore } from '../stock/stock-counters.store.js';
import { AuditedOrders } from './audited-orders.js';
import { SaleAuditErrors } from './sale-audit.errors.js';

/** An audit with its one-page report, as `npm run audit` prints it. */
export interface AuditedSale {
  audit: SaleAudit;
  report: string;
}

/**
 * The sale audit of `npm run audit`, from inside the service: each store read by its owner — the
 * orders from this service's database, the stock of record and its ledger from inventory-service
 * over HTTP (services never read each other's database), the counter from Redis. One reading, no
 * waiting: an unquiet sale answers its transient breaches, and the caller asks again.
 */
@Injectable()
export class SaleAuditService {
  constructor(
    private readonly orders: AuditedOrders,
    private readonly counters: StockCountersStore,
    private readonly inventory: InventoryCatalogue,
  ) {}

  /** Audits one product on behalf of the admin whose `Authorization` header is passed on. */
  async audit(productId: string, authorization: string): Promise<AuditedSale> {
    const [inventory, orders, redisStock] = await Promise.all([
      read(
        () => this.inventory.fetchLedger(productId, authorization),
        SaleAuditErrors.inventoryUnavailable,
      ),
      read(() => this.orders.ofProduct(productId), SaleAuditErrors.ordersUnavailable),
      read(() => this.counters.readCounter(productId), SaleAuditErrors.storeDown),
    ]);
    if (inventory.kind === 'no-product') throw SaleAuditErrors.productNotFound();
    const audit = auditSale({ productId, ...inventory.facts, orders, redisStock });
    return { audit, report: renderSaleAudit(audit) };
  }
}

async function read<T>(load: () => Promise<T>, unavailable: () => DomainError): Promise<T> {
  try {
    return await load();
  } catch {
    throw unavailable();
  }
}
