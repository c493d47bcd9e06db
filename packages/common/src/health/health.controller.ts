import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators.js';
import { KafkaClient } from '../kafka/kafka-client.service.js';
import type { RedisClient } from '../redis/redis-client.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';
import { ReadinessRegistry } from './readiness.js';

const CHECK_TIMEOUT_MS = 1_500;

/**
 * Three questions, three answers:
 * - `GET /api/health`: are all dependencies up? 200 when MySQL, Redis and Kafka all answer, else
 *   503 with the one that does not under `error` (e.g. `{"error": {"kafka": {"status": "down"}}}`).
 *   The compose/Docker healthcheck and people read this one.
 * - `GET /api/health/ready`: can the service serve its main route now? MySQL and Redis answer and
 *   the service's own conditions ({@link ReadinessRegistry}) hold. Kafka is not one of them: the
 *   routes keep working while it is down (order-service's orders table is the outbox). A
 *   readiness probe and every start-up wait (`npm start`, the test set-ups) use this one.
 * - `GET /api/health/live`: is the process serving HTTP at all? No dependency is checked, so a
 *   liveness probe never restarts a healthy process because MySQL or Kafka is down.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly kafka: KafkaClient,
    private readonly readiness: ReadinessRegistry,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; `error` names it' })
  check(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.report(reply, [
      this.databaseCheck,
      this.redisCheck,
      () =>
        this.indicators
          .check('kafka')
          .attempt(async () => this.kafka.ping(CHECK_TIMEOUT_MS))
          .withTimeout(CHECK_TIMEOUT_MS + 500),
    ]);
  }

  @Public()
  @Get('ready')
  @HealthCheck()
  @ApiServiceUnavailableResponse({
    description: 'Not ready to serve its main route; `error` names what is missing',
  })
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.report(reply, [
      this.databaseCheck,
      this.redisCheck,
      ...this.readiness.entries().map(
        ([name, isReady]): HealthIndicatorFunction =>
          () =>
            this.indicators
              .check(name)
              .attempt(async () => {
                if (!(await isReady())) throw new Error('not ready yet');
              })
              .withTimeout(CHECK_TIMEOUT_MS),
      ),
    ]);
  }

  @Public()
  @Get('live')
  @ApiOkResponse({ description: 'The process serves HTTP (no dependency is checked)' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private readonly databaseCheck: HealthIndicatorFunction = () =>
    this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS });

  private readonly redisCheck: HealthIndicatorFunction = () =>
    this.indicators
      .check('redis')
      .attempt(async () => {
        await this.redis.ping();
      })
      .withTimeout(CHECK_TIMEOUT_MS);

  private async report(reply: FastifyReply, checks: HealthIndicatorFunction[]) {
    try {
      return await this.health.check(checks);
    } catch (error) {
      // Terminus reports "down" as a 503 exception; answer with its report, not the error shape,
      // so probes and people see which dependency failed.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse();
    }
  }
}
