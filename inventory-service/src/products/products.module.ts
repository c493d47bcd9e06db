import { Module } from '@nestjs/common';
import { RedisSyncModule } from '../redis-sync/redis-sync.module.js';
import { DEMO_CATALOGUE } from './demo-catalogue.js';
import { ProductsController } from './products.controller.js';
import { ProductsRepository } from './products.repository.js';
import { DEMO_CATALOGUE_TOKEN, ProductsService } from './products.service.js';

/** The catalogue over HTTP: products, their stock of record, and the admin changes to them. */
@Module({
  imports: [RedisSyncModule],
  controllers: [ProductsController],
  providers: [
    ProductsService,
    ProductsRepository,
    { provide: DEMO_CATALOGUE_TOKEN, useValue: DEMO_CATALOGUE },
  ],
})
export class ProductsModule {}
