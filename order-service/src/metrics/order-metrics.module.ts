import { Global, Module } from '@nestjs/common';
import { OrderAnswersHook } from './order-answers.hook.js';
import { OrderMetrics } from './order-metrics.js';

/** The order pipeline's business metrics, available to every module. */
@Global()
@Module({
  providers: [OrderMetrics, OrderAnswersHook],
  exports: [OrderMetrics, OrderAnswersHook],
})
export class OrderMetricsModule {}
