import { Injectable, Logger, Optional } from '@nestjs/common';
import {
  InventoryFailureReason,
  RestoreOutcome,
  type InventoryRequest,
  type InventoryResponse,
  type InventoryRestore,
  type InventoryRestoreResponse,
} from '@flash-sale/contracts';
import { Clock } from '../clock.js';
import { StockMovementKind, type StockMovement } from '../stock-ledger/stock-movement.js';
import {
  InventoryResponsePublisher,
  type OutgoingResponse,
} from './inventory-response.publisher.js';
import { OrderStockRepository, type OrderStockTransaction } from './order-stock.repository.js';
import { OrderOutcome, type ProcessedOrder } from './processed-order.js';
import { StockDeductionMetrics } from './stock-deduction.metrics.js';

/** A consumed message: its validated value and the request id it carried. */
export interface OrderMessage<T> {
  value: T;
  requestId: string | undefined;
}

/** What a batch of restores did, for logs and tests. */
export interface RestoreSummary {
  /** Orders whose units went back into stock now. */
  restored: string[];
  /** Orders with nothing to give back: refused, already restored, or their product is gone. */
  ignored: string[];
  /** Orders cancelled before their request arrived: that request will deduct nothing. */
  cancelledBeforeRequest: string[];
  /** The answers published on `inventory-restore-response`, one per message. */
  answers: InventoryRestoreResponse[];
}

/**
 * Applies orders to the stock of record, exactly once per order id.
 *
 * A batch of requests is one transaction: the recorded orders are looked up, every new order is
 * decided and recorded (`processed_orders`, whose primary key makes a second deduction for the
 * same order impossible), each deduction writes a ledger row, and only after the commit are the
 * outcomes published, one per message, duplicates included (they get the recorded outcome again).
 * Business refusals (unknown product, short stock) are outcomes, never exceptions; an exception
 * means the database or Kafka failed, and the consumer retries the whole batch, which is safe.
 */
@Injectable()
export class OrderStockService {
  private readonly logger = new Logger(OrderStockService.name);

  constructor(
    private readonly orders: OrderStockRepository,
    private readonly publisher: InventoryResponsePublisher,
    private readonly clock: Clock,
    @Optional() private readonly metrics?: StockDeductionMetrics,
  ) {}

  /** Deducts stock for a batch of requests and publishes one outcome per message. */
  async applyRequests(messages: OrderMessage<InventoryRequest>[]): Promise<InventoryResponse[]> {
    if (messages.length === 0) return [];
    const now = this.clock.now();
    let decidedNow: ProcessedOrder[] = [];
    const recorded = await this.orders.transaction(async (tx) => {
      const known = await tx.findProcessed(uniqueOrderIds(messages), false);
      const fresh = firstOfEachOrder(messages.map((m) => m.value)).filter(
        (request) => !known.has(request.orderId),
      );
      const decided: ProcessedOrder[] = [];
      const movements: StockMovement[] = [];
      // One product at a time, in id order, so concurrent batches lock rows in the same order.
      for (const [productId, requests] of groupByProduct(fresh)) {
        const allocation = await this.allocate(tx, productId, requests);
        for (const request of requests) {
          const outcome = decide(request, allocation, now);
          decided.push(outcome);
          if (outcome.outcome === OrderOutcome.Deducted) {
            movements.push({
              productId,
              kind: StockMovementKind.OrderDeduction,
              delta: -request.quantity,
              orderId: request.orderId,
              actorUserId: null,
            });
          }
        }
      }
      await tx.insertProcessed(decided);
      await tx.recordMovements(movements);
      for (const order of decided) known.set(order.orderId, order);
      decidedNow = decided;
      return known;
    });
    this.metrics?.decided(decidedNow);

    // Committed: now the outcomes may leave.
    const outgoing: OutgoingResponse[] = [];
    for (const { value: request, requestId } of messages) {
      const order = recorded.get(request.orderId);
      if (!order) throw new Error(`order ${request.orderId} was neither found nor recorded`);
      if (order.productId !== request.productId || order.quantity !== request.quantity) {
        this.logger.warn(
          `order ${request.orderId} was recorded for ${order.quantity} x ${order.productId}, ` +
            `a request now asks ${request.quantity} x ${request.productId}: answering the record`,
        );
      }
      if (order.outcome === OrderOutcome.Cancelled) {
        // The order was cancelled first; order-service holds it as CANCELLED and needs no answer.
        this.logger.log(`order ${request.orderId} was cancelled before its request: nothing taken`);
        continue;
      }
      outgoing.push({ response: toResponse(order), requestId });
    }
    await this.publisher.publish(outgoing);
    return outgoing.map((o) => o.response);
  }

  /**
   * Gives a cancelled order's units back to the stock of record, once per order, and only if its
   * deduction succeeded. A restore that arrives before the request records the order as cancelled,
   * so the late request deducts nothing. The Redis counter is not touched here: order-service gives
   * the units back to Redis itself when it reads the answer (it owns the reservation), and doing it
   * here too would count them twice.
   *
   * After the commit every message is answered on `inventory-restore-response` from the record
   * (duplicates and repeats included: order-service resends a restore until it is answered, and a
   * repeat changes nothing but is answered again). A crash between the commit and the answer is
   * harmless: the restore comes again, finds the order restored and is answered then.
   */
  async applyRestores(messages: OrderMessage<InventoryRestore>[]): Promise<RestoreSummary> {
    if (messages.length === 0) {
      return { restored: [], ignored: [], cancelledBeforeRequest: [], answers: [] };
    }
    const now = this.clock.now();
    const { summary, records } = await this.orders.transaction(async (tx) => {
      const restores = firstOfEachOrder(messages.map((m) => m.value));
      // Locked: a concurrent restore of the same order waits, then sees it restored.
      const known = await tx.findProcessed(
        restores.map((r) => r.orderId),
        true,
      );
      const tombstones: ProcessedOrder[] = [];
      const toRestore: ProcessedOrder[] = [];
      const alreadyHandled: string[] = [];
      const nothingBack: string[] = [];
      for (const restore of restores) {
        const order = known.get(restore.orderId);
        if (!order) {
          tombstones.push({
            orderId: restore.orderId,
            productId: restore.productId,
            quantity: restore.quantity,
            outcome: OrderOutcome.Cancelled,
            reason: null,
            processedAt: now,
            restoredAt: now,
            restoredQuantity: 0,
            userId: null,
            userCounted: false,
          });
          continue;
        }
        if (order.productId !== restore.productId || order.quantity !== restore.quantity) {
          this.logger.warn(
            `restore of order ${order.orderId} names ${restore.quantity} x ${restore.productId}; ` +
              `the record says ${order.quantity} x ${order.productId}: the record wins`,
          );
        }
        if (order.restoredAt !== null) alreadyHandled.push(order.orderId);
        else if (order.outcome === OrderOutcome.Deducted) toRestore.push(order);
        else nothingBack.push(order.orderId);
      }

      const gaveBack: string[] = [];
      const movements: StockMovement[] = [];
      for (const [productId, orders] of groupByProduct(toRestore)) {
        const total = orders.reduce((sum, o) => sum + o.quantity, 0);
        // The buyers' counts first (as deductions lock them: users, then the product row), so a
        // restore and a deduction of one product never wait on each other crosswise.
        for (const [userId, units] of countedUnitsByUser(orders)) {
          await tx.removeUserUnits(productId, userId, units);
        }
        if (!(await tx.addStock(productId, total))) {
          // Deleted since: its stock left the ledger with it; there is nothing to give back to.
          nothingBack.push(...orders.map((o) => o.orderId));
          continue;
        }
        for (const order of orders) {
          gaveBack.push(order.orderId);
          movements.push({
            productId,
            kind: StockMovementKind.OrderRestoration,
            delta: order.quantity,
            orderId: order.orderId,
            actorUserId: null,
          });
        }
      }
      await tx.insertProcessed(tombstones);
      await tx.markRestored(gaveBack, now, true);
      await tx.markRestored(nothingBack, now, false);
      await tx.recordMovements(movements);
      // The records as committed, for the answers.
      for (const t of tombstones) known.set(t.orderId, t);
      for (const id of gaveBack) restoredNow(known, id, now, true);
      for (const id of nothingBack) restoredNow(known, id, now, false);
      return {
        records: known,
        summary: {
          restored: gaveBack,
          ignored: [...alreadyHandled, ...nothingBack],
          cancelledBeforeRequest: tombstones.map((t) => t.orderId),
        },
      };
    });

    // Committed: now the answers may leave, one per message.
    const answers: InventoryRestoreResponse[] = [];
    const outgoing: { answer: InventoryRestoreResponse; requestId: string | undefined }[] = [];
    for (const { value: restore, requestId } of messages) {
      const record = records.get(restore.orderId);
      if (!record) throw new Error(`order ${restore.orderId} was neither found nor recorded`);
      const answer = toRestoreAnswer(record);
      answers.push(answer);
      outgoing.push({ answer, requestId });
    }
    await this.publisher.publishRestoreAnswers(outgoing);
    return { ...summary, answers };
  }

  /**
   * Decides which of a product's requests get their units, as if each had run
   * `UPDATE ... SET stock = stock - q WHERE stock >= q` in turn (first come, first served; a
   * smaller later request may fit where a larger one did not), in one or three statements instead
   * of one per request; and, for a capped product, as if each had also checked its buyer's
   * deducted-and-not-restored units against the cap (see {@link capOf}). The buyers' rows are
   * locked before the product's, so their counts cannot move meanwhile. Returns the accepted
   * order ids and those refused for the cap, or null when the product does not exist.
   */
  private async allocate(
    tx: OrderStockTransaction,
    productId: string,
    requests: InventoryRequest[],
  ): Promise<Allocation | null> {
    const product = await tx.readCap(productId);
    if (product === null) return null;
    const capped = requests.filter((r) => capOf(r, product.maxPerUser) !== null);
    const held = await tx.lockUserUnits(
      productId,
      capped.map((r) => r.userId),
    );
    const limits = new UserLimits(held, product.maxPerUser);

    // The usual case (Redis already filtered the orders): every request is within its buyer's cap
    // and everything fits, one conditional update.
    const withinCaps = limits.admitAll(requests);
    if (withinCaps) {
      const total = requests.reduce((sum, r) => sum + r.quantity, 0);
      if (await tx.deductIfAvailable(productId, total)) {
        const accepted = new Set(requests.map((r) => r.orderId));
        const counted = await this.countUserUnits(tx, productId, requests, product.maxPerUser);
        return { accepted, overCap: new Set(), counted };
      }
    }

    const stock = await tx.lockStock(productId);
    if (stock === null) return null;
    const accepted = new Set<string>();
    const overCap = new Set<string>();
    const fresh = new UserLimits(held, product.maxPerUser);
    let remaining = stock;
    for (const request of requests) {
      if (!fresh.fits(request)) {
        overCap.add(request.orderId);
      } else if (request.quantity <= remaining) {
        fresh.take(request);
        accepted.add(request.orderId);
        remaining -= request.quantity;
      }
    }
    const deducted = stock - remaining;
    // The row is locked, so this cannot miss; the condition still guards the CHECK constraint.
    if (deducted > 0 && !(await tx.deductIfAvailable(productId, deducted))) {
      throw new Error(`stock of ${productId} changed while its row was locked`);
    }
    const counted = await this.countUserUnits(
      tx,
      productId,
      requests.filter((r) => accepted.has(r.orderId)),
      product.maxPerUser,
    );
    return { accepted, overCap, counted };
  }

  /**
   * Raises the buyers' counts by their deducted units of a capped product (rows locked); returns
   * the orders so counted.
   */
  private async countUserUnits(
    tx: OrderStockTransaction,
    productId: string,
    deducted: InventoryRequest[],
    productCap: number | null,
  ): Promise<Set<string>> {
    const counted = new Set<string>();
    const perUser = new Map<string, { units: number; cap: number }>();
    for (const request of deducted) {
      const cap = capOf(request, productCap);
      if (cap === null) continue;
      counted.add(request.orderId);
      const entry = perUser.get(request.userId) ?? { units: 0, cap };
      perUser.set(request.userId, {
        units: entry.units + request.quantity,
        cap: Math.max(entry.cap, cap),
      });
    }
    const additions = [...perUser].map(([userId, { units, cap }]) => ({ userId, units, cap }));
    // The rows are locked and were checked, so this cannot miss; the condition guards the cap.
    const added = await tx.addUserUnits(productId, additions);
    if (added !== additions.length) {
      throw new Error(`per-user units in ${productId} changed while their rows were locked`);
    }
    return counted;
  }
}

/** Which of a product's requests were deducted and which were refused for the per-user cap. */
interface Allocation {
  accepted: Set<string>;
  overCap: Set<string>;
  /** Accepted orders whose units were counted against their buyer's cap. */
  counted: Set<string>;
}

/**
 * The per-user cap a request is held to: the product's own (`products.max_per_user`), or else
 * the default cap order-service applied when it reserved the units (`defaultMaxPerUser`; 0 or
 * absent: none). A request from an order-service that predates the field is held to the product's
 * own cap only: there is no default to hold it to.
 */
export function capOf(request: InventoryRequest, productCap: number | null): number | null {
  if (productCap !== null && productCap > 0) return productCap;
  const fallback = request.defaultMaxPerUser ?? 0;
  return fallback > 0 ? fallback : null;
}

/** The buyers' units of one product as a batch's requests take them, checked against caps. */
export class UserLimits {
  private readonly units: Map<string, number>;

  constructor(
    held: ReadonlyMap<string, number>,
    private readonly productCap: number | null,
  ) {
    this.units = new Map(held);
  }

  /** Whether `request` keeps its buyer within the cap, given what this batch took so far. */
  fits(request: InventoryRequest): boolean {
    const cap = capOf(request, this.productCap);
    return cap === null || (this.units.get(request.userId) ?? 0) + request.quantity <= cap;
  }

  take(request: InventoryRequest): void {
    if (capOf(request, this.productCap) === null) return;
    this.units.set(request.userId, (this.units.get(request.userId) ?? 0) + request.quantity);
  }

  /** Takes every request if each fits in turn; false (some taken) as soon as one does not. */
  admitAll(requests: InventoryRequest[]): boolean {
    for (const request of requests) {
      if (!this.fits(request)) return false;
      this.take(request);
    }
    return true;
  }
}

function decide(
  request: InventoryRequest,
  allocation: Allocation | null,
  processedAt: Date,
): ProcessedOrder {
  const base = {
    orderId: request.orderId,
    productId: request.productId,
    quantity: request.quantity,
    processedAt,
    restoredAt: null,
    restoredQuantity: null,
    userId: request.userId,
    userCounted: false,
  };
  if (allocation === null) {
    return {
      ...base,
      outcome: OrderOutcome.Refused,
      reason: InventoryFailureReason.ProductNotFound,
    };
  }
  if (allocation.accepted.has(request.orderId)) {
    return {
      ...base,
      outcome: OrderOutcome.Deducted,
      reason: null,
      userCounted: allocation.counted.has(request.orderId),
    };
  }
  if (allocation.overCap.has(request.orderId)) {
    return {
      ...base,
      outcome: OrderOutcome.Refused,
      reason: InventoryFailureReason.PurchaseLimitExceeded,
    };
  }
  return {
    ...base,
    outcome: OrderOutcome.Refused,
    reason: InventoryFailureReason.InsufficientStock,
  };
}

function toResponse(order: ProcessedOrder): InventoryResponse {
  const base = {
    schemaVersion: 1 as const,
    orderId: order.orderId,
    productId: order.productId,
    quantity: order.quantity,
    processedAt: order.processedAt.toISOString(),
  };
  if (order.outcome === OrderOutcome.Deducted) return { ...base, success: true };
  // The table's CHECK constraint guarantees a reason on every refusal.
  if (!order.reason) throw new Error(`refused order ${order.orderId} has no recorded reason`);
  return { ...base, success: false, reason: order.reason };
}

/** Sets a record as {@link OrderStockTransaction.markRestored} just did in the database. */
function restoredNow(
  records: Map<string, ProcessedOrder>,
  orderId: string,
  at: Date,
  gaveUnitsBack: boolean,
): void {
  const record = records.get(orderId);
  if (!record) return;
  records.set(orderId, {
    ...record,
    restoredAt: at,
    restoredQuantity: gaveUnitsBack ? record.quantity : 0,
  });
}

/** The answer to a restore, from the order's record after the restore was handled. */
function toRestoreAnswer(order: ProcessedOrder): InventoryRestoreResponse {
  const restoredQuantity = order.restoredQuantity ?? 0;
  const outcome =
    restoredQuantity > 0
      ? RestoreOutcome.Restored
      : order.outcome === OrderOutcome.Deducted
        ? RestoreOutcome.ProductDeleted
        : RestoreOutcome.NotDeducted;
  return {
    schemaVersion: 1,
    orderId: order.orderId,
    productId: order.productId,
    quantity: order.quantity,
    outcome,
    restoredQuantity: outcome === RestoreOutcome.Restored ? order.quantity : 0,
    processedAt: (order.restoredAt ?? order.processedAt).toISOString(),
  };
}

/** Per buyer, the units of these orders that were counted against a cap (to give back). */
function countedUnitsByUser(orders: ProcessedOrder[]): [string, number][] {
  const perUser = new Map<string, number>();
  for (const order of orders) {
    if (!order.userCounted || order.userId === null) continue;
    perUser.set(order.userId, (perUser.get(order.userId) ?? 0) + order.quantity);
  }
  return [...perUser].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function uniqueOrderIds(messages: OrderMessage<{ orderId: string }>[]): string[] {
  return [...new Set(messages.map((m) => m.value.orderId))];
}

/** The first message of each order id, in batch order (later ones are redeliveries). */
function firstOfEachOrder<T extends { orderId: string }>(values: T[]): T[] {
  const seen = new Set<string>();
  return values.filter((v) => !seen.has(v.orderId) && seen.add(v.orderId));
}

/** Groups by product id, products sorted, each group in its original order. */
function groupByProduct<T extends { productId: string }>(values: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const group = groups.get(value.productId);
    if (group) group.push(value);
    else groups.set(value.productId, [value]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
