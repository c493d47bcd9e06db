import type { ConsumedMessage, DeadLetter } from '@flash-sale/common';

/**
 * The dead letters of the consumed messages whose values were refused after parsing (an answer
 * that does not match its order). Values are matched by identity: the handler hands the parsed
 * values on as they are. The value is the message re-serialised: it passed its schema, so it is
 * the same JSON as received, fields in the schema's order.
 */
export function deadLettersOf<T>(
  batch: ConsumedMessage<T>[],
  refused: { answer: T; reason: string }[],
): DeadLetter[] {
  const reasons = new Map<T, string>(refused.map((r) => [r.answer, r.reason]));
  return batch.flatMap((message) => {
    const reason = reasons.get(message.value);
    if (reason === undefined) return [];
    return [
      {
        sourceTopic: message.topic,
        partition: message.partition,
        offset: message.offset,
        key: message.key,
        value: JSON.stringify(message.value),
        error: reason,
        requestId: message.requestId,
      },
    ];
  });
}
