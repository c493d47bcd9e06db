export * from './sale-audit.js';
export * from './sale-audit.loader.js';
export * from './sale-audit.runner.js';
