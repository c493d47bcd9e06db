import { CreateProducts1764100000000 } from './1764100000000-create-products.js';
import { CreateOrderLedger1764200000000 } from './1764200000000-create-order-ledger.js';
import { UserProductUnits1764421200000 } from './1764421200000-user-product-units.js';

/** Every migration of this service, in order. Listed explicitly so builds need no glob loading. */
export const migrations = [
  CreateProducts1764100000000,
  CreateOrderLedger1764200000000,
  UserProductUnits1764421200000,
];
