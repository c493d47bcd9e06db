export * from './field-validators.js';
