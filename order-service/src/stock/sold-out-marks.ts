import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { duplicateRedisClient, InjectRedis, type RedisClient } from '@flash-sale/common';
import { STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import { StockKeys } from './stock-keys.js';
import { STOCK_SETTINGS, type StockSettings } from './stock-settings.js';

/** How long a lapsed mark waits for its check in Redis before letting requests through. */
export const SOLD_OUT_CHECK_MS = 250;

/**
 * Products this instance saw sold out, refused without a Redis round trip. A mark is cleared by a
 * message on the stock-changed channel (any instance's give-back, inventory-service's admin
 * changes, a reconciler repair), by this instance's own give-backs, and at the latest after a
 * short TTL, so a lost pub/sub message can only delay a sale briefly, never block it.
 *
 * When the TTL lapses, the mark holds while one read of the counter checks it (one round trip,
 * started by the first request that finds it lapsed): still 0 or below, the mark is renewed;
 * otherwise, or with no answer within {@link SOLD_OUT_CHECK_MS}, it goes. Letting every request
 * through at the lapse instead sent the whole herd to the rate limit and the Lua script, each
 * paying round trips and an error, until one answer marked the product again, which under a
 * sold-out storm took hundreds of milliseconds: most of a refusal's cost in the bench.
 */
@Injectable()
export class SoldOutMarks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SoldOutMarks.name);
  private readonly marks = new Map<string, number>();
  /** Products whose lapsed mark is being checked, with the check's deadline. */
  private readonly checking = new Map<string, number>();
  private subscriber: RedisClient | undefined;

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    @Inject(STOCK_SETTINGS) private readonly settings: Pick<StockSettings, 'soldOutTtlMs'>,
  ) {}

  onApplicationBootstrap(): void {
    // A duplicate connection: a subscribed connection can run no other command.
    const subscriber = duplicateRedisClient(this.redis, { maxRetriesPerRequest: null });
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, productId: string) => this.clear(productId));
    // Messages sent while disconnected are lost: forget every mark when (re)subscribed.
    subscriber.on('ready', () => {
      this.marks.clear();
      // A check in flight may have read the counter before the lost message: not to be trusted.
      this.checking.clear();
    });
    subscriber.on('error', (error: Error) =>
      this.logger.debug(`stock-changed subscriber: ${error.message}`),
    );
    subscriber.subscribe(STOCK_CHANGED_CHANNEL).catch((error: Error) => {
      this.logger.warn(`could not subscribe to ${STOCK_CHANGED_CHANNEL}: ${error.message}`);
    });
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  /** Whether to refuse the product as sold out now (starts the check of a lapsed mark). */
  isSoldOut(productId: string, now = Date.now()): boolean {
    const until = this.marks.get(productId);
    if (until === undefined) return false;
    if (until > now) return true;
    const deadline = this.checking.get(productId);
    if (deadline === undefined) {
      this.checking.set(productId, now + SOLD_OUT_CHECK_MS);
      void this.check(productId, now + SOLD_OUT_CHECK_MS);
      return true;
    }
    if (deadline > now) return true;
    this.clear(productId);
    return false;
  }

  mark(productId: string, now = Date.now()): void {
    if (this.settings.soldOutTtlMs > 0) this.marks.set(productId, now + this.settings.soldOutTtlMs);
  }

  clear(productId: string): void {
    this.marks.delete(productId);
    this.checking.delete(productId);
  }

  /** Renews or drops a lapsed mark from the counter (what the Lua script would answer from). */
  private async check(productId: string, deadline: number): Promise<void> {
    let soldOut = false;
    try {
      const [counter, ready] = await this.redis.mget(
        StockKeys.stock(productId),
        StockKeys.ready(productId),
      );
      soldOut = counter !== null && ready !== null && Number(counter) <= 0;
    } catch (error) {
      this.logger.debug(`checking the sold-out mark of ${productId}: ${(error as Error).message}`);
    }
    // Cleared meanwhile (stock came back), or given up on and checked again: not this check's.
    if (this.checking.get(productId) !== deadline) return;
    this.checking.delete(productId);
    if (soldOut) this.mark(productId);
    else this.marks.delete(productId);
  }
}
