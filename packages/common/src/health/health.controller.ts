import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { Redis } from 'ioredis';
import { Public } from '../auth/auth.decorators.js';
import { KafkaClient } from '../kafka/kafka-client.service.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';

const CHECK_TIMEOUT_MS = 1_500;

/**
 * Readiness: 200 when MySQL, Redis and Kafka all answer, else 503 with the one that does not
 * under `error` (e.g. `{"error": {"kafka": {"status": "down", ...}}}`).
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly kafka: KafkaClient,
  ) {}

  @Public()
  @Get()
  @HealthCheck()
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; `error` names it' })
  async check(@Res({ passthrough: true }) reply: FastifyReply) {
    try {
      return await this.runChecks();
    } catch (error) {
      // Terminus reports "down" as a 503 exception; answer with its report, not the error shape,
      // so probes and people see which dependency failed.
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse();
    }
  }

  private runChecks() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            await this.redis.ping();
          })
          .withTimeout(CHECK_TIMEOUT_MS),
      () =>
        this.indicators
          .check('kafka')
          .attempt(async () => this.kafka.ping(CHECK_TIMEOUT_MS))
          .withTimeout(CHECK_TIMEOUT_MS + 500),
    ]);
  }
}
