import { CreateOrders1764100000000 } from './1764100000000-create-orders.js';

/** Every migration of this service, in order. Listed explicitly so builds need no glob loading. */
export const migrations = [CreateOrders1764100000000];
