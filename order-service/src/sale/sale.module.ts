import { Module } from '@nestjs/common';
import { StockModule } from '../stock/stock.module.js';
import { SaleController } from './sale.controller.js';
import { SaleEvents } from './sale-events.js';
import { SaleRepository } from './sale.repository.js';
import { SaleStats } from './sale-stats.js';
import { SaleTicker } from './sale-ticker.js';

/** The live sale page: in-process answer counters, one shared ticker, an SSE stream per page. */
@Module({
  imports: [StockModule],
  controllers: [SaleController],
  providers: [SaleStats, SaleTicker, SaleEvents, SaleRepository],
})
export class SaleModule {}
