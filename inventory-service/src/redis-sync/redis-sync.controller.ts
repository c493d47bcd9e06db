import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@flash-sale/common';
import { ReconcileSnapshotDto } from './dto/reconcile-snapshot.dto.js';
import { RedisOutboxRepository } from './redis-outbox.repository.js';
import {
  ReconcileSnapshotRepository,
  type OrderMovement,
} from './reconcile-snapshot.repository.js';
import type { PendingRedisUpdate } from './redis-update.js';

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

function toQueued(u: PendingRedisUpdate): QueuedCounterChange {
  return {
    id: u.id,
    productId: u.productId,
    counterOp: u.counter.op,
    amount: 'amount' in u.counter ? u.counter.amount : null,
  };
}

/**
 * What order-service's reconciler needs beside the stock of record: admin changes that MySQL
 * already holds and the Redis counters do not yet (without them a repair would set a counter to
 * MySQL's value and the queued delta would then be applied on top of it), and which orders
 * MySQL has deducted, read in the same snapshot as the stock (without it a deduction committed
 * between two reads is subtracted twice).
 */
@ApiTags('inventory')
@Controller('inventory-sync')
export class RedisSyncController {
  constructor(
    private readonly outbox: RedisOutboxRepository,
    private readonly snapshots: ReconcileSnapshotRepository,
  ) {}

  @Public()
  @Get('pending')
  @ApiOperation({ summary: 'Admin stock changes committed in MySQL and not yet applied to Redis' })
  @ApiOkResponse({ description: '{items: [{id, productId, counterOp, amount}]}, oldest first' })
  async pending(): Promise<{ items: QueuedCounterChange[] }> {
    const queued = await this.outbox.pending(LIST_LIMIT);
    return { items: queued.map(toQueued) };
  }

  @Public()
  @Get('position')
  @ApiOperation({ summary: 'The highest stock ledger id now (a mark for a later snapshot)' })
  @ApiOkResponse({ description: '{ledgerPosition: "<id>"}' })
  async position(): Promise<{ ledgerPosition: string }> {
    return { ledgerPosition: await this.snapshots.ledgerPosition() };
  }

  @Public()
  @Post('snapshot')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "One consistent read for the reconciler: products' stock, queued admin changes, the " +
      'ledger rows of the given orders and of the products above a ledger id',
  })
  @ApiOkResponse({
    description:
      '{ledgerPosition, products: [{productId, stock}], queued: [{id, productId, counterOp, amount}], ' +
      'movements: [{id, orderId, productId, kind, delta}]}',
  })
  async snapshot(@Body() body: ReconcileSnapshotDto): Promise<{
    ledgerPosition: string;
    products: { productId: string; stock: number }[];
    queued: QueuedCounterChange[];
    movements: OrderMovement[];
  }> {
    const snapshot = await this.snapshots.read({
      orderIds: body.orderIds,
      since: body.since ?? null,
    });
    return { ...snapshot, queued: snapshot.queued.map(toQueued) };
  }
}
