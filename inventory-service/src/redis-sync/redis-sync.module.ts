import { Module } from '@nestjs/common';
import { RedisCatalogueStore } from './redis-catalogue.store.js';
import { RedisOutboxRepository } from './redis-outbox.repository.js';
import { ReconcileSnapshotRepository } from './reconcile-snapshot.repository.js';
import { RedisSyncController } from './redis-sync.controller.js';
import {
  REDIS_SYNC_OPTIONS,
  RedisSyncService,
  type RedisSyncOptions,
} from './redis-sync.service.js';

const options: RedisSyncOptions = { retryIntervalMs: 1_000, batchSize: 200 };

/** Keeps Redis (stock counters, catalogue hashes) in step with admin changes of the catalogue. */
@Module({
  controllers: [RedisSyncController],
  providers: [
    RedisOutboxRepository,
    ReconcileSnapshotRepository,
    RedisCatalogueStore,
    RedisSyncService,
    { provide: REDIS_SYNC_OPTIONS, useValue: options },
  ],
  exports: [RedisSyncService],
})
export class RedisSyncModule {}
