import { CreateOrders1764100000000 } from './1764100000000-create-orders.js';
import { ConfirmedRestores1764300000000 } from './1764300000000-confirmed-restores.js';
import { AddOrderStockSeq1764310000000 } from './1764310000000-add-order-stock-seq.js';
import { RelayLeases1764400000000 } from './1764400000000-relay-leases.js';
import { GiveBackAfterRestoreIndex1764500000000 } from './1764500000000-give-back-after-restore-index.js';

/** Every migration of this service, in order. Listed explicitly so builds need no glob loading. */
export const migrations = [
  CreateOrders1764100000000,
  ConfirmedRestores1764300000000,
  AddOrderStockSeq1764310000000,
  RelayLeases1764400000000,
  GiveBackAfterRestoreIndex1764500000000,
];
