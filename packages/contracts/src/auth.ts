/** Roles carried in the access token's `role` claim. */
export const Role = {
  User: 'user',
  Admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Claims of an access token issued by user-service and verified locally by every service. */
export interface AccessTokenClaims {
  /** The user id, as a decimal string. */
  sub: string;
  username: string;
  role: Role;
}
