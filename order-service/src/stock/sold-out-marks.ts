import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { duplicateRedisClient, InjectRedis, type RedisClient } from '@flash-sale/common';
import { STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import { STOCK_SETTINGS, type StockSettings } from './stock-settings.js';

/**
 * Products this instance saw sold out, refused without a Redis round trip. A mark is cleared by a
 * message on the stock-changed channel (any instance's give-back, inventory-service's admin
 * changes, a reconciler repair), by this instance's own give-backs, and at the latest after a
 * short TTL, so a lost pub/sub message can only delay a sale briefly, never block it.
 */
@Injectable()
export class SoldOutMarks implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SoldOutMarks.name);
  private readonly marks = new Map<string, number>();
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
    subscriber.on('ready', () => this.marks.clear());
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

  isSoldOut(productId: string, now = Date.now()): boolean {
    const until = this.marks.get(productId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.marks.delete(productId);
    return false;
  }

  mark(productId: string, now = Date.now()): void {
    if (this.settings.soldOutTtlMs > 0) this.marks.set(productId, now + this.settings.soldOutTtlMs);
  }

  clear(productId: string): void {
    this.marks.delete(productId);
  }
}
