import { Module } from '@nestjs/common';
import { StockModule } from '../stock/stock.module.js';
import { AuditedOrders, SqlAuditedOrders } from './audited-orders.js';
import { SaleAuditController } from './sale-audit.controller.js';
import { SaleAuditService } from './sale-audit.service.js';

/** The sale audit over HTTP: reads only, from the orders table, Redis and inventory-service. */
@Module({
  imports: [StockModule],
  controllers: [SaleAuditController],
  providers: [SaleAuditService, { provide: AuditedOrders, useClass: SqlAuditedOrders }],
})
export class SaleAuditModule {}
