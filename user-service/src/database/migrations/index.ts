import { CreateUsers1764100000000 } from './1764100000000-create-users.js';

/** Every migration of this service, in order. Listed explicitly so builds need no glob loading. */
export const migrations = [CreateUsers1764100000000];
