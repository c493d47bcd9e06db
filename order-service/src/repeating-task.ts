/**
 * Runs `work` again and again, `intervalMs` after the previous run finished (never two at once).
 * `stop()` cancels the next run and waits for the one in progress. The timer does not keep the
 * process alive.
 */
export class RepeatingTask {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly work: () => Promise<unknown>,
    private readonly intervalMs: number,
    /** Called with whatever a run threw; the next run is scheduled all the same. */
    private readonly onError: (error: Error) => void,
  ) {}

  start(firstDelayMs = this.intervalMs): void {
    this.schedule(firstDelayMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.work()
        .then(() => undefined, this.onError)
        .finally(() => {
          this.current = undefined;
          this.schedule(this.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
