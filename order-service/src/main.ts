import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, runWithWorkers, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadOrderServiceConfig } from './config.js';
import { SALE_ROUTES } from './sale/sale.controller.js';

const config = loadConfigOrExit(() => loadOrderServiceConfig());
const info = { name: 'order-service', version: readPackageVersion(import.meta.url) };

// WEB_CONCURRENCY > 1: this process is the primary and each worker runs startApp.
await runWithWorkers(info.name, config, () =>
  startApp(AppModule.register(config, info), config, {
    info,
    description:
      'Orders: Redis stock pre-deduction, durable PENDING orders, Kafka inventory requests.',
    unprefixedRoutes: SALE_ROUTES,
  }),
);
