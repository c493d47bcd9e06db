import { Injectable } from '@nestjs/common';
import { KafkaClient } from '@flash-sale/common';
import { Topics, type InventoryResponse } from '@flash-sale/contracts';

/** An outcome to publish, with the request id of the message that asked for it. */
export interface OutgoingResponse {
  response: InventoryResponse;
  requestId: string | undefined;
}

/** Publishes outcomes on `inventory-response`, keyed by product id, in one produce call. */
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
}
