import type { Role } from '@flash-sale/contracts';

/** A user as the rest of the service sees it: never with the password hash. */
export interface User {
  /** Decimal string of the BIGINT id; the same value as the token's `sub`. */
  id: string;
  username: string;
  email: string;
  role: Role;
  createdAt: Date;
}

/** A user as stored, hash included. Stays between the repository and the service. */
export interface StoredUser extends User {
  passwordHash: string;
}

/** What a new row needs; the database assigns the id. */
export type NewUser = Omit<StoredUser, 'id'>;

/** Strips the hash off a stored user. */
export function withoutSecrets({ id, username, email, role, createdAt }: StoredUser): User {
  return { id, username, email, role, createdAt };
}
