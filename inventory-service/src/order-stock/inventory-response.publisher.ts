import { Injectable } from '@nestjs/common';
import { KafkaClient } from '@flash-sale/common';
import {
  Topics,
  type InventoryResponse,
  type InventoryRestoreResponse,
} from '@flash-sale/contracts';

/** An outcome to publish, with the request id of the message that asked for it. */
export interface OutgoingResponse {
  response: InventoryResponse;
  requestId: string | undefined;
}

/**
 * Publishes outcomes on `inventory-response` and restore answers on `inventory-restore-response`,
 * keyed by product id, one produce call per batch.
 */
@Injectable()
export class InventoryResponsePublisher {
  constructor(private readonly kafka: KafkaClient) {}

  async publish(responses: OutgoingResponse[]): Promise<void> {
    await this.kafka.publish(
      Topics.InventoryResponse,
      responses.map(({ response, requestId }) => ({
        key: response.productId,
        value: response,
        requestId,
      })),
    );
  }

  async publishRestoreAnswers(
    answers: { answer: InventoryRestoreResponse; requestId: string | undefined }[],
  ): Promise<void> {
    await this.kafka.publish(
      Topics.InventoryRestoreResponse,
      answers.map(({ answer, requestId }) => ({ key: answer.productId, value: answer, requestId })),
    );
  }
}
