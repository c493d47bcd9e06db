import { ApiProperty } from '@nestjs/swagger';
import { OrderStatus, type Order } from '../../orders/order.js';

export class OrderResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: '42' })
  userId!: string;

  @ApiProperty({ example: 'SKU-1' })
  productId!: string;

  @ApiProperty({ example: 1 })
  quantity!: number;

  @ApiProperty({ enum: Object.values(OrderStatus) })
  status!: OrderStatus;

  @ApiProperty({ example: 1999, description: 'From the catalogue at order time' })
  unitPriceCents!: number;

  @ApiProperty({ example: 1999 })
  totalCents!: number;

  @ApiProperty({ nullable: true, type: String, example: null })
  failureReason!: string | null;

  @ApiProperty()
  createdAt!: string;

  @ApiProperty()
  updatedAt!: string;

  static from(order: Order): OrderResponseDto {
    return {
      id: order.id,
      userId: order.userId,
      productId: order.productId,
      quantity: order.quantity,
      status: order.status,
      unitPriceCents: order.unitPriceCents,
      totalCents: order.totalCents,
      failureReason: order.failureReason,
      createdAt: order.createdAt.toISOString(),
      updatedAt: order.updatedAt.toISOString(),
    };
  }
}

export class OrderPageResponseDto {
  @ApiProperty({ type: [OrderResponseDto] })
  items!: OrderResponseDto[];

  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}
