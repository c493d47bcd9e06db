export * from './auth.js';
export * from './errors.js';
export * from './identifiers.js';
export * from './messages.js';
export * from './redis-keys.js';
export * from './topics.js';
export * from './original-api.js';
