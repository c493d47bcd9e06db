import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Public, Roles } from '@flash-sale/common';
import { Role } from '@flash-sale/contracts';
import { IsIn, IsOptional } from 'class-validator';
import type { ReconcileResult } from './stock-reconciler.js';
import { StockService } from './stock.service.js';

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

@ApiTags('stock')
@Controller('stock')
export class StockController {
  constructor(private readonly stock: StockService) {}

  /** Public like a shop's "n left" badge: it says nothing about who bought what. */
  @Public()
  @Get()
  @ApiOperation({ summary: 'Units on sale per product' })
  @ApiOkResponse({ type: [StockLevelDto] })
  list(): Promise<StockLevelDto[]> {
    return this.stock.list();
  }

  @Public()
  @Get(':productId')
  @ApiOperation({ summary: 'Units on sale of one product' })
  @ApiOkResponse({ type: StockLevelDto })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  get(@Param('productId') productId: string): Promise<StockLevelDto> {
    return this.stock.get(productId);
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
