export * from './metrics.controller.js';
export * from './metrics.service.js';
export * from './metrics-server.js';
