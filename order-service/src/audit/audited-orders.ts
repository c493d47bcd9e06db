import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { loadOrderSaleFacts, type AuditedOrder } from '@flash-sale/common';
import type { DataSource } from 'typeorm';

/** What the sale audit reads from the orders table. */
export abstract class AuditedOrders {
  /** Every stored order of the product, whatever its state. */
  abstract ofProduct(productId: string): Promise<AuditedOrder[]>;
}

/** {@link AuditedOrders} on the order-service database, with the CLI's own statement. */
@Injectable()
export class SqlAuditedOrders extends AuditedOrders {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  ofProduct(productId: string): Promise<AuditedOrder[]> {
    return loadOrderSaleFacts((sql, params) => this.db.query(sql, params), productId);
  }
}
