export * from './redis-client.js';
export * from './redis.module.js';
