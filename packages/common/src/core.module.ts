import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from './auth/auth.module.js';
import { AppConfigModule } from './config/config.module.js';
import type { BaseEnv } from './config/env.schema.js';
import { DatabaseModule, type DatabaseModuleOptions } from './database/database.module.js';
import { HealthController } from './health/health.controller.js';
import { ReadinessRegistry } from './health/readiness.js';
import {
  ServiceInfoController,
  SERVICE_INFO,
  type ServiceInfo,
} from './http/service-info.controller.js';
import { KafkaModule } from './kafka/kafka.module.js';
import type { KafkaModuleOptions } from './kafka/kafka.options.js';
import { LoggingModule, type RouteInfo } from './logging/logging.module.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsServer } from './metrics/metrics-server.js';
import { MetricsService } from './metrics/metrics.service.js';
import { RedisModule } from './redis/redis.module.js';

export interface CoreModuleOptions {
  info: ServiceInfo;
  config: BaseEnv;
  database: DatabaseModuleOptions;
  kafka: Omit<KafkaModuleOptions, 'clientId'>;
  /** Routes without a per-request logger (see {@link LoggingModule.forRoot}). */
  withoutRequestLogger?: RouteInfo[];
}

/**
 * Everything a service wires the same way, in one import: validated config, logging, MySQL,
 * Redis, Kafka, the global JWT guard, `GET /api`, `/api/health` (with `/ready` and `/live`) and
 * `/api/metrics` (on METRICS_PORT instead, when that is set).
 */
@Module({})
export class CoreModule {
  static forRoot(options: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      imports: [
        AppConfigModule.forRoot(options.config),
        LoggingModule.forRoot(options.info.name, options.withoutRequestLogger),
        DatabaseModule.forRoot(options.database),
        RedisModule,
        KafkaModule.forRoot({ clientId: options.info.name, ...options.kafka }),
        AuthModule,
        TerminusModule.forRoot({ logger: false }),
      ],
      // METRICS_PORT moves the metrics off the public port (MetricsServer serves them there).
      controllers: [
        ServiceInfoController,
        HealthController,
        ...(options.config.METRICS_PORT === undefined ? [MetricsController] : []),
      ],
      providers: [
        { provide: SERVICE_INFO, useValue: options.info },
        MetricsService,
        MetricsServer,
        ReadinessRegistry,
      ],
      exports: [MetricsService, SERVICE_INFO, ReadinessRegistry],
    };
  }
}
