import { Inject, Injectable } from '@nestjs/common';
import type { FailPoint } from './config.js';
import { ORDER_SETTINGS, type OrderSettings } from './orders/order-settings.js';

/**
 * Test-only crash switch (ORDER_FAILPOINT, refused in production by the configuration): the
 * process kills itself with SIGKILL right after the named step, after letting it pass
 * ORDER_FAILPOINT_SKIP times. SIGKILL, not exit(), so nothing gets to clean up: a real crash.
 */
@Injectable()
export class FailPoints {
  private passes = 0;

  constructor(@Inject(ORDER_SETTINGS) private readonly settings: OrderSettings) {}

  reached(step: FailPoint): void {
    if (this.settings.failPoint !== step) return;
    if (this.passes++ < this.settings.failPointSkip) return;
    // Written synchronously (a pipe or file on Linux): the log pipeline would not flush in time.
    process.stderr.write(`fail-point ${step} reached: killing the process\n`);
    process.kill(process.pid, 'SIGKILL');
  }
}
