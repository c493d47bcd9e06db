/**
 * Password hashing, behind an abstract class (also the injection token) so the service does not
 * depend on the native argon2 binding and unit tests can use a fast fake.
 */
export abstract class PasswordHasher {
  abstract hash(password: string): Promise<string>;

  /** Whether `password` matches `hash`. A malformed hash is a mismatch, not an error. */
  abstract verify(hash: string, password: string): Promise<boolean>;

  /**
   * Spends the time of one {@link verify} against a real hash and answers `false`: what a login
   * for an unknown user does, so it takes as long as a wrong password.
   */
  abstract verifyAgainstDummy(password: string): Promise<false>;

  /** Whether `hash` was made with weaker settings than today's, so it should be replaced. */
  abstract needsRehash(hash: string): boolean;
}
