import { Inject, Injectable, Logger, OnModuleInit, type ArgumentsHost } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  AccessTokenService,
  bearerTokenOf,
  HttpErrorFilter,
  RateLimitGuard,
  type AuthenticatedRequest,
} from '@flash-sale/common';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { Ajv } from 'ajv';
import fastJson, { type ObjectSchema } from 'fast-json-stringify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import { OrderResponseDto } from './dto/order-response.dto.js';
import { ORDERS_RATE_LIMIT } from './orders.controller.js';
import { OrdersService } from './orders.service.js';
import { parseIdempotencyKey } from './request-parsing.js';
import { SoldOutGate } from './sold-out.gate.js';

/** The route served here (Fastify's route pattern, global prefix included). */
export const PLACE_ORDER_ROUTE = '/api/orders';

/** The body of the common request, exactly: anything else is Nest's (see {@link PlaceOrderRoute}). */
interface PlainOrderBody {
  productId: string;
  quantity: number;
}

/** The answer's shape for fast-json-stringify: the fields of {@link OrderResponseDto}, in order. */
const ORDER_RESPONSE_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    userId: { type: 'string' },
    productId: { type: 'string' },
    quantity: { type: 'integer' },
    status: { type: 'string' },
    unitPriceCents: { type: 'integer' },
    totalCents: { type: 'integer' },
    failureReason: { type: 'string', nullable: true },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
  required: [
    'id',
    'userId',
    'productId',
    'quantity',
    'status',
    'unitPriceCents',
    'totalCents',
    'failureReason',
    'createdAt',
    'updatedAt',
  ],
};

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * `POST /api/orders` without Nest's per-request pipeline (guards, pipes, class-transformer and
 * class-validator, interceptors, exception zone): a Fastify preHandler that answers the common
 * request itself, with the same rules in the same order as the Nest route it stands in front of.
 *
 * 1. {@link SoldOutGate}: a product known to be sold out is refused first (no rate-limit token).
 * 2. The token, through the same {@link AccessTokenService} (and its verification cache).
 * 3. The body against a compiled JSON schema of the plain shape `{productId: string, quantity}`
 *    (what every real client sends), the Idempotency-Key header as the controller parses it.
 * 4. The same rate-limit rule, through {@link RateLimitGuard.check}.
 * 5. {@link OrdersService.place}, answered with a compiled serializer; its errors through
 *    {@link HttpErrorFilter}, as Nest would.
 *
 * A request that fails 2 or 3 (no or a bad token, a body the schema does not take: a numeric
 * productId, the original API's deprecated fields, a bad field) is not answered here: it goes on
 * to the Nest route unchanged, which answers it as it always did (every bad field listed, the same
 * codes). So no error body is written twice, and only the common path is fast.
 */
@Injectable()
export class PlaceOrderRoute implements OnModuleInit {
  private readonly logger = new Logger('PlaceOrder');
  private readonly filter = new HttpErrorFilter();
  private readonly isPlainBody: (body: unknown) => body is PlainOrderBody;
  private readonly serialize: (answer: OrderResponseDto) => string;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly gate: SoldOutGate,
    private readonly tokens: AccessTokenService,
    private readonly rateLimit: RateLimitGuard,
    private readonly orders: OrdersService,
    @Inject(ORDER_SETTINGS)
    private readonly settings: Pick<
      OrderSettings,
      'maxQuantity' | 'slowRequestMs' | 'requestLogSample'
    >,
  ) {
    const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false });
    this.isPlainBody = ajv.compile<PlainOrderBody>({
      type: 'object',
      properties: {
        productId: { type: 'string', pattern: PRODUCT_ID_PATTERN.source },
        quantity: { type: 'integer', minimum: 1, maximum: settings.maxQuantity },
      },
      required: ['productId', 'quantity'],
      additionalProperties: false,
    });
    this.serialize = fastJson(ORDER_RESPONSE_SCHEMA);
  }

  onModuleInit(): void {
    // Hooks added before the server is ready apply to every route (Fastify binds them then).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('preHandler', (request, reply) => this.handle(request, reply));
    fastify?.addHook('onResponse', (request, reply, done) => {
      if (request.method === 'POST' && request.routeOptions.url === PLACE_ORDER_ROUTE) {
        this.logAnswer(request, reply);
      }
      done();
    });
  }

  /** Answers the request (returning the reply, as Fastify asks of async hooks that answer) or
   * returns nothing to let it go on to Nest. */
  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    if (request.method !== 'POST' || request.routeOptions.url !== PLACE_ORDER_ROUTE) return;
    if (await this.gate.check(request, reply)) return reply;

    const token = bearerTokenOf(request.headers.authorization);
    if (!token) return;
    const body = request.body;
    if (!this.isPlainBody(body)) return;
    const rawKey = request.headers['idempotency-key'];
    let idempotencyKey: string | undefined;
    try {
      idempotencyKey = parseIdempotencyKey(rawKey);
    } catch {
      return;
    }
    let userId: string;
    try {
      const { sub, username, role } = await this.tokens.verify(token);
      (request as AuthenticatedRequest).user = { sub, username, role };
      userId = sub;
    } catch {
      return;
    }

    try {
      await this.rateLimit.check(ORDERS_RATE_LIMIT, request, reply);
      const placed = await this.orders.place({
        userId,
        productId: body.productId,
        quantity: body.quantity,
        idempotencyKey,
        requestId: request.id,
      });
      return reply
        .code(placed.replayed ? 200 : 201)
        .header('content-type', JSON_CONTENT_TYPE)
        .send(this.serialize(OrderResponseDto.from(placed.order)));
    } catch (error) {
      this.filter.catch(error, hostOf(request, reply));
      return reply;
    }
  }

  /**
   * No request line per request (and no child logger per request): errors, slow answers, and a
   * configurable sample of the rest (ORDER_SLOW_REQUEST_MS, ORDER_REQUEST_LOG_SAMPLE).
   */
  private logAnswer(request: FastifyRequest, reply: FastifyReply): void {
    const ms = reply.elapsedTime;
    const status = reply.statusCode;
    const sampled =
      this.settings.requestLogSample > 0 && Math.random() < this.settings.requestLogSample;
    if (status < 500 && ms < this.settings.slowRequestMs && !sampled) return;
    const line = { requestId: request.id, status, ms: Math.round(ms) };
    if (status >= 500) this.logger.error(line, 'POST /api/orders answered');
    else if (ms >= this.settings.slowRequestMs) this.logger.warn(line, 'POST /api/orders slow');
    else this.logger.log(line, 'POST /api/orders answered');
  }
}

/** The part of Nest's ArgumentsHost that {@link HttpErrorFilter.catch} reads. */
function hostOf(request: FastifyRequest, reply: FastifyReply): ArgumentsHost {
  const http = { getRequest: () => request, getResponse: () => reply, getNext: () => undefined };
  return { switchToHttp: () => http } as unknown as ArgumentsHost;
}
