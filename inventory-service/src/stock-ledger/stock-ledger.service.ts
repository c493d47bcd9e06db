import { Injectable } from '@nestjs/common';
import type { InventorySaleFacts } from '@flash-sale/common';
import { productNotFound } from '../products/products.errors.js';
import { StockLedgerRepository } from './stock-ledger.repository.js';

/** The stock ledger as the sale audit reads it (order-service's `GET /api/stock/:id/audit`). */
@Injectable()
export class StockLedgerService {
  constructor(private readonly ledger: StockLedgerRepository) {}

  /**
   * A product's stock of record and ledger. A deleted product has no row but keeps its ledger,
   * and the audit still checks it (its ledger must have closed at zero); only an id with neither
   * is unknown.
   */
  async saleFacts(productId: string): Promise<InventorySaleFacts> {
    const facts = await this.ledger.saleFacts(productId);
    if (facts.product === null && facts.ledger.length === 0) throw productNotFound(productId);
    return facts;
  }
}
