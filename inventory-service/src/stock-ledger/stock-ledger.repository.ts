import { Injectable } from '@nestjs/common';
import { loadInventorySaleFacts, type InventorySaleFacts } from '@flash-sale/common';
import { DataSource } from 'typeorm';

/** Reads a product's ledger with its stock of record (writes go with each stock change). */
@Injectable()
export class StockLedgerRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The `products` row's stock (null when none) and every `stock_movements` row, in order. */
  saleFacts(productId: string): Promise<InventorySaleFacts> {
    return loadInventorySaleFacts((sql, params) => this.dataSource.query(sql, params), productId);
  }
}
