export * from './create-app.js';
export * from './json-body-parser.js';
export * from './openapi-errors.js';
export * from './request-id.js';
export * from './service-info.controller.js';
