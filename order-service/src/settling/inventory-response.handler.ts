import { Injectable } from '@nestjs/common';
import {
  ConsumesTopic,
  KafkaClient,
  type ConsumedMessage,
  type KafkaBatchHandler,
} from '@flash-sale/common';
import { Topics, type InventoryResponse } from '@flash-sale/contracts';
import { OrderMetrics, SettledStatus } from '../metrics/order-metrics.js';
import { deadLettersOf } from './dead-letters.js';
import { InventoryAnswers } from './inventory-answers.js';

/**
 * Kafka edge: hands each batch of `inventory-response` messages to {@link InventoryAnswers}, and
 * dead-letters (`inventory-response.dlq`, the reason in the `x-dlq-error` header) the answers that
 * do not match their order. The dead letters are sent before the batch's offsets are committed: if
 * sending fails, the batch is retried, and applying it again changes nothing.
 */
@ConsumesTopic(Topics.InventoryResponse)
@Injectable()
export class InventoryResponseHandler implements KafkaBatchHandler<
  typeof Topics.InventoryResponse
> {
  constructor(
    private readonly answers: InventoryAnswers,
    private readonly metrics: OrderMetrics,
    private readonly kafka: KafkaClient,
  ) {}

  async handle(batch: ConsumedMessage<InventoryResponse>[]): Promise<void> {
    const applied = await this.answers.apply(batch.map((m) => m.value));
    this.metrics.settled(SettledStatus.Confirmed, applied.confirmed);
    this.metrics.settled(SettledStatus.Failed, applied.failed);
    await this.kafka.deadLetter(deadLettersOf(batch, applied.mismatched));
  }
}
