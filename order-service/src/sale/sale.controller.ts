import { readFileSync } from 'node:fs';
import { Controller, Get, Header, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, DomainError, Public } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OrderServiceConfig } from '../config.js';
import { SaleQuery } from './sale.query.js';
import { SaleEvents } from './sale-events.js';

/** Routes served outside the global `/api` prefix (see main.ts). */
export const SALE_ROUTES = ['sale', 'sale/events'];

/**
 * The live sale page, `GET /sale?productId=`, and its event stream. Read-only numbers with no
 * token (a browser's EventSource cannot send one); on unless `SALE_PAGE_ENABLED=false`, and off
 * by default in production, where sale numbers are not for everyone (see the README).
 */
@ApiTags('sale')
@Public()
@Controller('sale')
export class SaleController {
  private readonly page = readFileSync(new URL('./sale-page.html', import.meta.url), 'utf8');

  constructor(
    private readonly events: SaleEvents,
    @Inject(APP_CONFIG) private readonly config: OrderServiceConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiOperation({ summary: 'The live sale page (HTML); ?productId= names the product' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page' })
  show(): string {
    this.ensureEnabled();
    return this.page;
  }

  @Get('events')
  @ApiOperation({ summary: 'Server-Sent Events: the sale numbers of a product, every second' })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'One `data:` event per second' })
  stream(@Query() query: SaleQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    this.ensureEnabled();
    this.events.stream(query.productId, request, reply);
  }

  private ensureEnabled(): void {
    if (!this.config.SALE_PAGE_ENABLED) {
      throw new DomainError(ErrorCode.RouteNotFound, 'The sale page is turned off');
    }
  }
}
