import { DynamicModule, Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { KafkaClient } from './kafka-client.service.js';
import { KafkaConsumerService } from './kafka-consumer.service.js';
import { KAFKA_OPTIONS, type KafkaModuleOptions } from './kafka.options.js';

/**
 * Kafka for one service: {@link KafkaClient} to publish, and a consumer group that feeds every
 * provider marked `@ConsumesTopic(topic)`.
 */
@Global()
@Module({})
export class KafkaModule {
  static forRoot(options: KafkaModuleOptions): DynamicModule {
    return {
      module: KafkaModule,
      imports: [DiscoveryModule],
      providers: [{ provide: KAFKA_OPTIONS, useValue: options }, KafkaClient, KafkaConsumerService],
      exports: [KafkaClient, KafkaConsumerService],
    };
  }
}
