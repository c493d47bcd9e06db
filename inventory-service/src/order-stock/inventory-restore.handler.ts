import { Injectable, Logger } from '@nestjs/common';
import { ConsumesTopic, type ConsumedMessage, type KafkaBatchHandler } from '@flash-sale/common';
import { Topics, type InventoryRestore } from '@flash-sale/contracts';
import { OrderStockService } from './order-stock.service.js';

/**
 * `inventory-restore` -> give a cancelled order's units back to the stock of record, and answer
 * on `inventory-restore-response`.
 */
@ConsumesTopic(Topics.InventoryRestore)
@Injectable()
export class InventoryRestoreHandler implements KafkaBatchHandler<typeof Topics.InventoryRestore> {
  private readonly logger = new Logger(InventoryRestoreHandler.name);

  constructor(private readonly orderStock: OrderStockService) {}

  async handle(batch: ConsumedMessage<InventoryRestore>[]): Promise<void> {
    const summary = await this.orderStock.applyRestores(
      batch.map(({ value, requestId }) => ({ value, requestId })),
    );
    this.logger.log(
      `restores: ${summary.restored.length} given back, ${summary.ignored.length} with nothing ` +
        `to give back, ${summary.cancelledBeforeRequest.length} cancelled before their request`,
    );
  }
}
