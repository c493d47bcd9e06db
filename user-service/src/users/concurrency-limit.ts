/** Thrown by {@link ConcurrencyLimit.run} when every slot is busy and the queue is full. */
export class ConcurrencyLimitFull extends Error {
  constructor() {
    super('concurrency limit reached and its queue is full');
    this.name = 'ConcurrencyLimitFull';
  }
}

/**
 * At most `maxRunning` tasks at once, at most `maxQueued` waiting for a slot (first come, first
 * served); a task past both is refused at once with {@link ConcurrencyLimitFull} rather than
 * queued without bound.
 */
export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxQueued: number,
  ) {}

  /** Tasks running now and waiting now. */
  get load(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxRunning) {
      if (this.waiting.length >= this.maxQueued) throw new ConcurrencyLimitFull();
      // The slot is handed over by the task that finishes, so `running` never drops meanwhile.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
