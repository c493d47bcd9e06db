export * from './redis.module.js';
export * from './fenced-lock.js';
