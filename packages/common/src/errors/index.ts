export * from './domain-error.js';
export * from './http-error.filter.js';
export * from './validation.js';
