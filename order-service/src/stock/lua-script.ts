import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * A Lua script kept in its own `.lua` file next to this module (the build copies it to `dist/`),
 * run with EVALSHA. The SHA is computed locally, so the script is sent in full only when a server
 * does not know it yet (first use, or after a restart): then EVAL loads it for the next calls.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(readonly name: string) {
    this.source = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** Loads the script into the server's cache (at start-up, so the first order is not slower). */
  async load(redis: Redis): Promise<void> {
    await redis.script('LOAD', this.source);
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /** Queues the script on a pipeline; a NOSCRIPT reply there must be retried with {@link run}. */
  queue(pipeline: ChainableCommander, keys: string[], args: (string | number)[]): void {
    pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
  }
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
