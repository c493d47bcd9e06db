export * from './client-network.js';
export * from './rate-limit.guard.js';
export * from './rate-limit.module.js';
export * from './rate-limit.policy.js';
export * from './token-bucket.store.js';
