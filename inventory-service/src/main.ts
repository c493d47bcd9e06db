import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, runWithWorkers, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadInventoryServiceConfig } from './config.js';

const config = loadConfigOrExit(() => loadInventoryServiceConfig());
const info = { name: 'inventory-service', version: readPackageVersion(import.meta.url) };

// WEB_CONCURRENCY > 1: this process is the primary and each worker runs startApp.
await runWithWorkers(info.name, config, () =>
  startApp(AppModule.register(config, info), config, {
    info,
    description: 'Products and the stock of record; applies inventory requests from Kafka.',
  }),
);
