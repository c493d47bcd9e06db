import { Injectable } from '@nestjs/common';
import {
  ConsumesTopic,
  KafkaClient,
  type ConsumedMessage,
  type KafkaBatchHandler,
} from '@flash-sale/common';
import { Topics, type InventoryRestoreResponse } from '@flash-sale/contracts';
import { deadLettersOf } from './dead-letters.js';
import { RestoreAnswers } from './restore-answers.js';

/**
 * Kafka edge: hands each batch of `inventory-restore-response` messages to {@link RestoreAnswers}
 * and dead-letters (`inventory-restore-response.dlq`) the answers that do not match their order.
 */
@ConsumesTopic(Topics.InventoryRestoreResponse)
@Injectable()
export class InventoryRestoreResponseHandler implements KafkaBatchHandler<
  typeof Topics.InventoryRestoreResponse
> {
  constructor(
    private readonly answers: RestoreAnswers,
    private readonly kafka: KafkaClient,
  ) {}

  async handle(batch: ConsumedMessage<InventoryRestoreResponse>[]): Promise<void> {
    const applied = await this.answers.apply(batch.map((m) => m.value));
    await this.kafka.deadLetter(deadLettersOf(batch, applied.mismatched));
  }
}
