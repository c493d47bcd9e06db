import { Body, Controller, Get, Headers, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentUser, RateLimit } from '@flash-sale/common';
import type { AccessTokenClaims } from '@flash-sale/contracts';
import type { FastifyRequest } from 'fastify';
import { CreateOrderDto } from './dto/create-order.dto.js';
import { OrderQuantityLimitPipe } from './dto/order-quantity-limit.pipe.js';
import { ListOrdersQuery } from './dto/list-orders.query.js';
import { OrderPageResponseDto, OrderResponseDto } from './dto/order-response.dto.js';
import { OrdersService } from './orders.service.js';
import { decodeCursor, encodeCursor, parseIdempotencyKey } from './request-parsing.js';

/** The part of Fastify's reply this controller touches. */
interface ReplyStatus {
  status(statusCode: number): unknown;
}

const DEFAULT_PAGE_SIZE = 20;

/**
 * The rate-limit rule of placing and cancelling (RATE_LIMIT_ORDERS_PER_USER / _PER_ADDRESS): one
 * bucket for both, so a place/cancel loop is held to the same pace as placing alone.
 */
export const ORDERS_RATE_LIMIT = 'orders';

@ApiTags('orders')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no or an invalid Bearer token' })
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @RateLimit(ORDERS_RATE_LIMIT)
  @ApiOperation({ summary: 'Buy: reserve stock and record the order as PENDING' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1-128 of A-Z a-z 0-9 _ . : -; a repeat returns the first order (200)',
  })
  @ApiCreatedResponse({ type: OrderResponseDto, description: 'The new order, PENDING' })
  @ApiOkResponse({ type: OrderResponseDto, description: 'The order a repeated key created' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or MALFORMED_JSON' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'OUT_OF_STOCK or PURCHASE_LIMIT_EXCEEDED' })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_REUSED with another body' })
  @ApiServiceUnavailableResponse({
    description:
      'STOCK_UNAVAILABLE (counters being rebuilt) or SERVICE_UNAVAILABLE, with Retry-After',
  })
  async place(
    @CurrentUser() user: AccessTokenClaims,
    @Body(OrderQuantityLimitPipe) body: CreateOrderDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: ReplyStatus,
  ): Promise<OrderResponseDto> {
    const placed = await this.orders.place({
      userId: user.sub,
      productId: body.productId,
      quantity: body.quantity,
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
      requestId: request.id,
    });
    if (placed.replayed) reply.status(200);
    return OrderResponseDto.from(placed.order);
  }

  @Get()
  @ApiOperation({ summary: 'The caller’s orders, newest first' })
  @ApiOkResponse({ type: OrderPageResponseDto })
  async list(
    @CurrentUser() user: AccessTokenClaims,
    @Query() query: ListOrdersQuery,
  ): Promise<OrderPageResponseDto> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const page = await this.orders.list(user.sub, query.limit ?? DEFAULT_PAGE_SIZE, after);
    return {
      items: page.orders.map((o) => OrderResponseDto.from(o)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of the caller’s orders' })
  @ApiOkResponse({ type: OrderResponseDto })
  @ApiNotFoundResponse({ description: 'ORDER_NOT_FOUND, also for another user’s order' })
  async get(
    @CurrentUser() user: AccessTokenClaims,
    @Param('id') id: string,
  ): Promise<OrderResponseDto> {
    return OrderResponseDto.from(await this.orders.get(user.sub, id));
  }

  @Put(':id/cancel')
  @RateLimit(ORDERS_RATE_LIMIT)
  @ApiOperation({ summary: 'Cancel a PENDING or CONFIRMED order; its stock goes back once' })
  @ApiOkResponse({ type: OrderResponseDto, description: 'The order, CANCELLED' })
  @ApiNotFoundResponse({ description: 'ORDER_NOT_FOUND, also for another user’s order' })
  @ApiConflictResponse({ description: 'ORDER_NOT_CANCELLABLE: FAILED or already CANCELLED' })
  async cancel(
    @CurrentUser() user: AccessTokenClaims,
    @Param('id') id: string,
  ): Promise<OrderResponseDto> {
    return OrderResponseDto.from(await this.orders.cancel(user.sub, id));
  }
}
