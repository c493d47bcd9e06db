import { Controller, Get, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '@flash-sale/common';
import { Role } from '@flash-sale/contracts';
import { ProductIdParams } from '../products/dto/product-id.params.js';
import { StockLedgerService } from './stock-ledger.service.js';
import { StockLedgerResponse, toStockLedgerResponse } from './stock-ledger.response.js';

/** The ledger for admins and for order-service's sale audit, which passes the admin's token on. */
@ApiTags('inventory')
@Controller('inventory')
export class StockLedgerController {
  constructor(private readonly ledger: StockLedgerService) {}

  @Roles(Role.Admin)
  @Get(':productId/ledger')
  @ApiBearerAuth()
  @ApiOperation({ summary: "A product's stock of record and every stock movement (sale audit)" })
  @ApiOkResponse({ type: StockLedgerResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: a malformed product id' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND: no product and no ledger' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  async get(@Param() { productId }: ProductIdParams): Promise<StockLedgerResponse> {
    return toStockLedgerResponse(productId, await this.ledger.saleFacts(productId));
  }
}
