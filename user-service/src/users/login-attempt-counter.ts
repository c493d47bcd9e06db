/** One counter: its value and how long until its window ends. */
export interface AttemptCount {
  count: number;
  resetInMs: number;
}

/**
 * Windowed counters of login attempts, shared by every instance of the service (Redis in
 * production). A window starts with the first attempt and is not extended by later ones.
 */
export abstract class LoginAttemptCounter {
  /** Adds one attempt to `key`, starting a window of `windowSeconds` if none is running. */
  abstract increment(key: string, windowSeconds: number): Promise<AttemptCount>;

  /** The count of `key` without adding to it: 0 when no window is running. */
  abstract current(key: string): Promise<AttemptCount>;

  /**
   * Makes the window of `key` end no sooner than `seconds` from now (never shortens it): how a
   * backoff grows. A key without a running window is left alone.
   */
  abstract extend(key: string, seconds: number): Promise<void>;

  /** Forgets every attempt of `key`. */
  abstract reset(key: string): Promise<void>;
}
