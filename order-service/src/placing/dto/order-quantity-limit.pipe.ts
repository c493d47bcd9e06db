import { BadRequestException, Inject, Injectable, type PipeTransform } from '@nestjs/common';
import { ErrorCode } from '@flash-sale/contracts';
import { ORDER_SETTINGS, type OrderSettings } from '../../orders/order-settings.js';
import type { CreateOrderDto } from './create-order.dto.js';

/**
 * quantity <= ORDER_MAX_QUANTITY. A pipe with the settings injected, after the DTO's shape checks,
 * because the limit is configuration: a class-validator decorator is evaluated at import, before
 * any configuration exists. Answers like the validation pipe (400 VALIDATION_FAILED naming the
 * field).
 */
@Injectable()
export class OrderQuantityLimitPipe implements PipeTransform<CreateOrderDto, CreateOrderDto> {
  constructor(
    @Inject(ORDER_SETTINGS) private readonly settings: Pick<OrderSettings, 'maxQuantity'>,
  ) {}

  transform(body: CreateOrderDto): CreateOrderDto {
    if (body.quantity > this.settings.maxQuantity) {
      throw new BadRequestException({
        code: ErrorCode.ValidationFailed,
        message: [`quantity must not be greater than ${this.settings.maxQuantity}`],
      });
    }
    return body;
  }
}
