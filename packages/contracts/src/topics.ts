/** Kafka topic names. One spelling each, used by producers, consumers and the topic bootstrap. */
export const Topics = {
  /** order-service -> inventory-service: deduct stock for an accepted order. Key: productId. */
  InventoryRequest: 'inventory-request',
  /** inventory-service -> order-service: the outcome of a deduction. Key: productId. */
  InventoryResponse: 'inventory-response',
  /** order-service -> inventory-service: give a cancelled order's units back. Key: productId. */
  InventoryRestore: 'inventory-restore',
  /**
   * inventory-service -> order-service: a restore was applied (or there was nothing to give back),
   * one answer per `inventory-restore`, duplicates included. The order records its restore as done
   * only on this answer; until then order-service resends the restore. Key: productId.
   */
  InventoryRestoreResponse: 'inventory-restore-response',
} as const;

export type Topic = (typeof Topics)[keyof typeof Topics];

/** Suffix of the dead-letter topic that receives a topic's invalid messages. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** The dead-letter topic of `topic`, e.g. `inventory-request.dlq`. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

/** Kafka header names the services set on every message they produce. */
export const KafkaHeaders = {
  RequestId: 'x-request-id',
  /** On a dead-lettered message: why it was refused. */
  DeadLetterError: 'x-dlq-error',
  DeadLetterSourceTopic: 'x-dlq-source-topic',
  DeadLetterSourcePartition: 'x-dlq-source-partition',
  DeadLetterSourceOffset: 'x-dlq-source-offset',
} as const;
