export * from './database.module.js';
export * from './duplicate-key.js';
export * from './utc-sessions.js';
export * from './connection-lost.js';
export * from './locked-migrations.js';
