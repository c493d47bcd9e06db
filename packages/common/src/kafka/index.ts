export * from './kafka-client.service.js';
export * from './kafka-consumer.service.js';
export * from './kafka-handler.js';
export * from './kafka.module.js';
export * from './kafka.options.js';
export * from './kafka-credentials.js';
