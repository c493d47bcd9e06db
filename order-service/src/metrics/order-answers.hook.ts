import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ErrorCode } from '@flash-sale/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrderMetrics, PlacementResult } from './order-metrics.js';

/** Fastify's route patterns (global prefix included) of the routes counted here. */
const PLACE_ORDER_ROUTE = '/api/orders';
const CANCEL_ORDER_ROUTE = '/api/orders/:id/cancel';

/**
 * The result of a `POST /api/orders` answer, from its status and (for a 409, where two codes
 * share the status) its serialized body. Undefined for a replayed Idempotency-Key (200): that
 * order was counted when it was accepted.
 */
export function placementResultOf(status: number, body: unknown): PlacementResult | undefined {
  if (status === 201) return PlacementResult.Accepted;
  if (status < 400) return undefined;
  if (status === 409) {
    const text = typeof body === 'string' ? body : '';
    if (text.includes(`"${ErrorCode.OutOfStock}"`)) return PlacementResult.OutOfStock;
    if (text.includes(`"${ErrorCode.PurchaseLimitExceeded}"`)) return PlacementResult.Limit;
    return PlacementResult.Invalid;
  }
  if (status === 429) return PlacementResult.RateLimited;
  if (status >= 500) return PlacementResult.Unavailable;
  return PlacementResult.Invalid;
}

/** Listens to answers to the order routes as they are sent. */
export interface OrderAnswerListener {
  orderAnswered(productId: string | undefined, result: PlacementResult, seconds: number): void;
}

/**
 * Counts every answer of `POST /api/orders` (and successful cancels) at the HTTP edge, in a
 * Fastify onSend hook: that is the one place that sees the refusals made before Nest (the
 * sold-out gate, body parsing) as well as validation and the service's own answers.
 */
@Injectable()
export class OrderAnswersHook implements OnModuleInit {
  private readonly listeners: OrderAnswerListener[] = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: OrderMetrics,
  ) {}

  /** Adds a listener of placement answers (the live sale page's counters). */
  listen(listener: OrderAnswerListener): void {
    this.listeners.push(listener);
  }

  onModuleInit(): void {
    // Hooks added before the server is ready apply to every route (Fastify binds them then).
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onSend', (request, reply, payload, done) => {
      this.record(request, reply, payload);
      done(null, payload);
    });
  }

  record(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    const route = request.routeOptions.url;
    if (request.method === 'PUT' && route === CANCEL_ORDER_ROUTE) {
      // 200 only for the call that made the change; a repeat is 409 ORDER_NOT_CANCELLABLE.
      if (reply.statusCode === 200) this.metrics.cancelled();
      return;
    }
    if (request.method !== 'POST' || route !== PLACE_ORDER_ROUTE) return;
    const result = placementResultOf(reply.statusCode, payload);
    if (result === undefined) return;
    this.metrics.placed(result);
    const productId = (request.body as { productId?: unknown } | null | undefined)?.productId;
    const seconds = reply.elapsedTime / 1_000;
    for (const listener of this.listeners) {
      listener.orderAnswered(
        typeof productId === 'string' ? productId : undefined,
        result,
        seconds,
      );
    }
  }
}
