import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** One run of a script: its keys and arguments. */
export interface ScriptCall {
  keys: string[];
  args: (string | number)[];
}

/**
 * A Lua script kept in its own `.lua` file in `lua/` next to this module (the build copies it to
 * `dist/`), run with EVALSHA. The SHA is computed locally, so the script is sent in full only when
 * a server does not know it yet (first use, or after a restart): then EVAL loads it for the next
 * calls. Every script of the service is run this way.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(readonly name: string) {
    this.source = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the script once per call in one pipeline (one round trip) and returns the replies in
   * order; a call the server answered NOSCRIPT is run again with {@link run}. Throws the first
   * error.
   */
  async runEach(redis: Redis, calls: ScriptCall[]): Promise<unknown[]> {
    const pipeline = redis.pipeline();
    for (const { keys, args } of calls) pipeline.evalsha(this.sha, keys.length, ...keys, ...args);
    const results = (await pipeline.exec()) ?? [];
    const replies: unknown[] = [];
    for (const [i, { keys, args }] of calls.entries()) {
      let [error, reply] = results[i] ?? [new Error('no reply'), null];
      if (error && isNoScript(error)) [error, reply] = [null, await this.run(redis, keys, args)];
      if (error) throw error;
      replies.push(reply);
    }
    return replies;
  }
}

/**
 * Loads scripts into the server's cache (at start-up, so the first order is not slower). Best
 * effort: a script the server does not know is loaded by its first EVAL anyway.
 */
export async function preloadScripts(
  redis: Redis,
  scripts: LuaScript[],
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  await Promise.all(scripts.map((s) => redis.script('LOAD', s.source))).catch((error: Error) =>
    logger.warn(`could not preload Lua scripts: ${error.message}`),
  );
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
