import { Injectable } from '@nestjs/common';
import { ConsumesTopic, type ConsumedMessage, type KafkaBatchHandler } from '@flash-sale/common';
import { Topics, type InventoryRequest } from '@flash-sale/contracts';
import { OrderStockService } from './order-stock.service.js';

/** `inventory-request` -> deduct and answer on `inventory-response`. */
@ConsumesTopic(Topics.InventoryRequest)
@Injectable()
export class InventoryRequestHandler implements KafkaBatchHandler<typeof Topics.InventoryRequest> {
  constructor(private readonly orderStock: OrderStockService) {}

  async handle(batch: ConsumedMessage<InventoryRequest>[]): Promise<void> {
    await this.orderStock.applyRequests(
      batch.map(({ value, requestId }) => ({ value, requestId })),
    );
  }
}
