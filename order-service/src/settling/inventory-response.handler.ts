import { Injectable } from '@nestjs/common';
import { ConsumesTopic, type ConsumedMessage, type KafkaBatchHandler } from '@flash-sale/common';
import { Topics, type InventoryResponse } from '@flash-sale/contracts';
import { OrderMetrics, SettledStatus } from '../metrics/order-metrics.js';
import { InventoryAnswers } from './inventory-answers.js';

/** Kafka edge: hands each batch of `inventory-response` messages to {@link InventoryAnswers}. */
@ConsumesTopic(Topics.InventoryResponse)
@Injectable()
export class InventoryResponseHandler implements KafkaBatchHandler<
  typeof Topics.InventoryResponse
> {
  constructor(
    private readonly answers: InventoryAnswers,
    private readonly metrics: OrderMetrics,
  ) {}

  async handle(batch: ConsumedMessage<InventoryResponse>[]): Promise<void> {
    const applied = await this.answers.apply(batch.map((m) => m.value));
    this.metrics.settled(SettledStatus.Confirmed, applied.confirmed);
    this.metrics.settled(SettledStatus.Failed, applied.failed);
  }
}
