import { Injectable } from '@nestjs/common';

/**
 * One condition a service needs before it can serve its main route (beyond MySQL and Redis
 * answering, which `/api/health/ready` always checks). Resolves true when met; false or a throw
 * means "not yet", and the reason is reported under the check's name.
 */
export type ReadinessCheck = () => Promise<boolean>;

/**
 * The service's own readiness conditions. A provider of the service registers its check at
 * start-up (e.g. order-service: "the stock counters are loaded"); `/api/health/ready` runs them
 * all. Kept in a registry rather than injected into the health controller because the controller
 * lives in the global core module, which cannot see the services' own providers.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check ${name} registered twice`);
    this.checks.set(name, check);
  }

  entries(): [string, ReadinessCheck][] {
    return [...this.checks];
  }
}
