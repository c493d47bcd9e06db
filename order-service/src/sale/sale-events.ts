import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SaleTicker } from './sale-ticker.js';

/** A comment line every so often keeps proxies and browsers from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events on Fastify's raw reply: the reply is hijacked (Nest and Fastify send
 * nothing more), every tick of the product is written as one `data:` event, a comment line is
 * the heartbeat, and everything is released when the client goes away. Streams still open at
 * shutdown are ended first, so they do not hold the HTTP server's close.
 */
@Injectable()
export class SaleEvents implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();

  constructor(private readonly ticker: SaleTicker) {}

  stream(productId: string, request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    // Reconnect after 2 s if the connection drops.
    raw.write('retry: 2000\n\n');
    const unwatch = this.ticker.watch(productId, (snapshot) => {
      raw.write(`data: ${JSON.stringify(snapshot)}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS).unref();
    const close = () => {
      if (!this.open.delete(close)) return;
      clearInterval(heartbeat);
      unwatch();
      raw.end();
    };
    this.open.add(close);
    request.raw.once('close', close);
  }

  beforeApplicationShutdown(): void {
    for (const close of [...this.open]) close();
  }
}
