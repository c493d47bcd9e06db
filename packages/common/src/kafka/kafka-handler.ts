import { DiscoveryService } from '@nestjs/core';
import type { MessageOf, Topic } from '@flash-sale/contracts';

/** One valid message as handed to a handler: parsed, schema-checked, with its position. */
export interface ConsumedMessage<T> {
  topic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: T;
  /** From the `x-request-id` header, so a handler's logs join those of the request that caused it. */
  requestId: string | undefined;
}

/**
 * A consumer of one topic. `handle` receives a batch of valid messages in partition order; it must
 * be idempotent, because a batch is redelivered when the handler throws or the process dies before
 * the offsets are committed. Offsets are committed only after `handle` resolves.
 */
export interface KafkaBatchHandler<T extends Topic> {
  handle(batch: ConsumedMessage<MessageOf<T>>[]): Promise<void>;
}

/** Marks a provider as the handler of a topic: `@ConsumesTopic(Topics.InventoryRequest)`. */
export const ConsumesTopic = DiscoveryService.createDecorator<Topic>();
