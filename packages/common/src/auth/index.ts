export * from './access-token.service.js';
export * from './auth.decorators.js';
export * from './auth.module.js';
export * from './jwt-auth.guard.js';
export * from './access-token.keys.js';
