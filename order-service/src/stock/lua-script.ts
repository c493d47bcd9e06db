import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from '@nestjs/common';
import { redisMasters, type RedisClient } from '@flash-sale/common';

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

  async run(redis: RedisClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }

  /**
   * Runs the script once per call, all at once, and returns the replies in order; throws the
   * first error once every call is answered. Not an explicit pipeline: on a Redis Cluster the
   * calls of different products go to different nodes, and the client's auto-pipelining sends the
   * calls issued together in one write per node (one write in all on a stand-alone Redis).
   */
  async runEach(redis: RedisClient, calls: ScriptCall[]): Promise<unknown[]> {
    return settleAll(calls.map(({ keys, args }) => this.run(redis, keys, args)));
  }
}

/**
 * Loads scripts into the server's cache (at start-up, so the first order is not slower). Best
 * effort: a script the server does not know is loaded by its first EVAL anyway.
 */
export async function preloadScripts(
  redis: RedisClient,
  scripts: LuaScript[],
  logger: Pick<Logger, 'warn'>,
): Promise<void> {
  // Every master of a Cluster keeps its own script cache (none yet if the slot map is not known:
  // then the first EVALs load them).
  const servers = redisMasters(redis);
  await Promise.all(
    servers.flatMap((server) => scripts.map((s) => server.script('LOAD', s.source))),
  ).catch((error: Error) => logger.warn(`could not preload Lua scripts: ${error.message}`));
}

/** Awaits every promise; resolves their values in order, or rejects with the first failure. */
export async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
