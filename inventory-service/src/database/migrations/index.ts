import { CreateProducts1764100000000 } from './1764100000000-create-products.js';

/** Every migration of this service, in order. Listed explicitly so builds need no glob loading. */
export const migrations = [CreateProducts1764100000000];
