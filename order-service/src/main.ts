import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadOrderServiceConfig } from './config.js';
import { SALE_ROUTES } from './sale/sale.controller.js';

const config = loadConfigOrExit(() => loadOrderServiceConfig());
const info = { name: 'order-service', version: readPackageVersion(import.meta.url) };

await startApp(AppModule.register(config, info), config, {
  info,
  description:
    'Orders: Redis stock pre-deduction, durable PENDING orders, Kafka inventory requests.',
  unprefixedRoutes: SALE_ROUTES,
});
