export * from './cluster-metrics.js';
export * from './run-with-workers.js';
export * from './worker-pool.js';
