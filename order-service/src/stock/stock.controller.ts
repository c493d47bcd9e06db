import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IsProductId, Public, Roles } from '@flash-sale/common';
import { Role } from '@flash-sale/contracts';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ReconcileResult } from './stock-reconciler.js';
import { StockService } from './stock.service.js';

/** inventory-service's largest stock of record. */
const MAX_STOCK = 1_000_000_000;

export class StockLevelDto {
  @ApiProperty({ example: 'SKU-1' })
  productId!: string;

  @ApiProperty({ example: 42, description: 'Units still on sale (the Redis counter)' })
  stock!: number;
}

export class ReconcileQuery {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Repair drift (default: report)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  repair?: 'true' | 'false';
}

/** `PUT /api/stock/:productId` (the original API): the stock of record to set. */
export class SetStockDto {
  @ApiProperty({ example: 100, minimum: 0, maximum: MAX_STOCK })
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  quantity!: number;
}

export class StockProductParams {
  @ApiProperty({ example: '1' })
  @IsProductId()
  productId!: string;
}

export class StockStoreHealthDto {
  @ApiProperty({ enum: ['ok'] })
  status!: 'ok';

  @ApiProperty({ enum: ['up'] })
  redis!: 'up';
}

@ApiTags('stock')
@Controller('stock')
export class StockController {
  constructor(private readonly stock: StockService) {}

  /** Public like a shop's "n left" badge: it says nothing about who bought what. */
  @Public()
  @Get()
  @ApiOperation({ summary: 'Units on sale per product (the answer may be up to 1 s old)' })
  @ApiOkResponse({ type: [StockLevelDto] })
  list(): Promise<StockLevelDto[]> {
    return this.stock.list();
  }

  /** The original API's Redis check; `/api/health` is ours. Declared before `:productId`. */
  @Public()
  @Get('health/check')
  @ApiOperation({
    summary: 'Original API: whether the stock store (Redis) answers',
    deprecated: true,
  })
  @ApiOkResponse({ type: StockStoreHealthDto })
  @ApiServiceUnavailableResponse({ description: 'SERVICE_UNAVAILABLE: Redis does not answer' })
  checkStore(): Promise<StockStoreHealthDto> {
    return this.stock.checkStore();
  }

  @Public()
  @Get(':productId')
  @ApiOperation({ summary: 'Units on sale of one product' })
  @ApiOkResponse({ type: StockLevelDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: not a product id' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  get(@Param() { productId }: StockProductParams): Promise<StockLevelDto> {
    return this.stock.get(productId);
  }

  @Roles(Role.Admin)
  @Put(':productId')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'Original API: set the stock of record (through inventory-service; ours is PUT /api/inventory/:productId)',
    deprecated: true,
  })
  @ApiOkResponse({ type: StockLevelDto, description: 'The new stock of record' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: admins only' })
  @ApiServiceUnavailableResponse({
    description: 'SERVICE_UNAVAILABLE: inventory-service did not answer',
  })
  set(
    @Param() { productId }: StockProductParams,
    @Body() body: SetStockDto,
    @Headers('authorization') authorization: string,
  ): Promise<StockLevelDto> {
    return this.stock.setStock(productId, body.quantity, authorization);
  }

  @Roles(Role.Admin)
  @Post('reconcile')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Compare every Redis counter with MySQL stock minus orders in flight; repair drift',
  })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: admins only' })
  reconcile(@Query() query: ReconcileQuery): Promise<ReconcileResult[]> {
    return this.stock.reconcile(query.repair === 'true');
  }
}
