import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@flash-sale/common';
import { RedisOutboxRepository } from './redis-outbox.repository.js';

/** One admin change committed in MySQL and still queued for Redis. */
export interface QueuedCounterChange {
  /** The outbox id; inventory-service records the last one applied per product in Redis. */
  id: string;
  productId: string;
  counterOp: string;
  /** The delta (ADJUST) or value (SET, SET_IF_MISSING); null for REMOVE and NONE. */
  amount: number | null;
}

/** Most queued changes listed at once (the queue is normally empty within milliseconds). */
const LIST_LIMIT = 10_000;

/**
 * What order-service's reconciler needs to count admin changes that MySQL already holds and the
 * Redis counters do not yet: without them a repair would set a counter to MySQL's value and the
 * queued delta would then be applied on top of it.
 */
@ApiTags('inventory')
@Controller('inventory-sync')
export class RedisSyncController {
  constructor(private readonly outbox: RedisOutboxRepository) {}

  @Public()
  @Get('pending')
  @ApiOperation({ summary: 'Admin stock changes committed in MySQL and not yet applied to Redis' })
  @ApiOkResponse({ description: '{items: [{id, productId, counterOp, amount}]}, oldest first' })
  async pending(): Promise<{ items: QueuedCounterChange[] }> {
    const queued = await this.outbox.pending(LIST_LIMIT);
    return {
      items: queued.map((u) => ({
        id: u.id,
        productId: u.productId,
        counterOp: u.counter.op,
        amount: 'amount' in u.counter ? u.counter.amount : null,
      })),
    };
  }
}
