import { Injectable } from '@nestjs/common';

/**
 * The highest reservation sequence this process has seen per product (from its own reservations
 * and from the order rows in MySQL). Redis holding less means it went back in time: the reserve
 * script compares for free on every order, so a stale Redis is caught on the first order after it
 * comes back, before it sells a unit; the reconciler's periodic check (against MySQL) covers
 * products this process has not sold and instances that started after the loss.
 */
@Injectable()
export class KnownSequences {
  /** Bounded by the products that ever sold through this process (not by users or orders). */
  private readonly highest = new Map<string, number>();

  /** The lowest sequence Redis may hold for the product (0 when none is known). */
  lowest(productId: string): number {
    return this.highest.get(productId) ?? 0;
  }

  /** Records a sequence seen; lower ones change nothing. */
  saw(productId: string, sequence: number): void {
    if (!Number.isSafeInteger(sequence)) return;
    if (sequence > (this.highest.get(productId) ?? 0)) this.highest.set(productId, sequence);
  }
}
