import { Controller, Get, Headers, Param } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Roles } from '@flash-sale/common';
import { Role } from '@flash-sale/contracts';
import { StockProductParams } from '../stock/stock.controller.js';
import { SaleAuditResponse, toSaleAuditResponse } from './sale-audit.response.js';
import { SaleAuditService } from './sale-audit.service.js';

/** `npm run audit` over HTTP, under the stock routes it is about. */
@ApiTags('stock')
@Controller('stock')
export class SaleAuditController {
  constructor(private readonly audits: SaleAuditService) {}

  @Roles(Role.Admin)
  @Get(':productId/audit')
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Audit one product's sale from the stores of record (as npm run audit does)",
    description:
      'Reads once, without waiting for the sale to be quiet: while orders are in flight the ' +
      'answer carries transient breaches (NOT_QUIET...) and should be asked again. A breach is a ' +
      'finding, not a failed request: 200 with ok false and the breaches.',
  })
  @ApiOkResponse({ type: SaleAuditResponse })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: a malformed product id' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND: inventory-service knows no such id' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: admins only' })
  @ApiServiceUnavailableResponse({
    description:
      'SERVICE_UNAVAILABLE (with Retry-After): inventory-service, Redis or the orders database did not answer',
  })
  async audit(
    @Param() { productId }: StockProductParams,
    @Headers('authorization') authorization: string,
  ): Promise<SaleAuditResponse> {
    return toSaleAuditResponse(await this.audits.audit(productId, authorization));
  }
}
