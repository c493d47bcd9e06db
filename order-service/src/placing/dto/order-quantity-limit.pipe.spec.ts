import { BadRequestException } from '@nestjs/common';
import { OrderQuantityLimitPipe } from './order-quantity-limit.pipe.js';
import type { CreateOrderDto } from './create-order.dto.js';

const body = (quantity: number): CreateOrderDto => ({ productId: 'SKU-1', quantity });

describe(OrderQuantityLimitPipe.name, () => {
  const pipe = new OrderQuantityLimitPipe({ maxQuantity: 3 });

  it('passes a quantity up to the configured maximum through unchanged', () => {
    expect(pipe.transform(body(1))).toEqual(body(1));
    expect(pipe.transform(body(3))).toEqual(body(3));
  });

  it('refuses a quantity above the maximum with VALIDATION_FAILED naming quantity', () => {
    let error: unknown;
    try {
      pipe.transform(body(4));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toEqual({
      code: 'VALIDATION_FAILED',
      message: ['quantity must not be greater than 3'],
    });
  });

  it('reads the maximum of its own settings, not of another instance', () => {
    expect(() => new OrderQuantityLimitPipe({ maxQuantity: 10 }).transform(body(4))).not.toThrow();
  });
});
