import 'reflect-metadata';
import { loadConfigOrExit, readPackageVersion, startApp } from '@flash-sale/common';
import { AppModule } from './app.module.js';
import { loadInventoryServiceConfig } from './config.js';

const config = loadConfigOrExit(() => loadInventoryServiceConfig());
const info = { name: 'inventory-service', version: readPackageVersion(import.meta.url) };

await startApp(AppModule.register(config, info), config, {
  info,
  description: 'Products and the stock of record; applies inventory requests from Kafka.',
});
