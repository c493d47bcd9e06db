export * from './redis-client.js';
export * from './redis.module.js';
export * from './fenced-lock.js';
