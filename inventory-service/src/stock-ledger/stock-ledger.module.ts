import { Module } from '@nestjs/common';
import { StockLedgerController } from './stock-ledger.controller.js';
import { StockLedgerRepository } from './stock-ledger.repository.js';
import { StockLedgerService } from './stock-ledger.service.js';

/** Reading the `stock_movements` ledger over HTTP (admins, order-service's sale audit). */
@Module({
  controllers: [StockLedgerController],
  providers: [StockLedgerService, StockLedgerRepository],
})
export class StockLedgerModule {}
