import { existsSync } from 'node:fs';
import { z } from 'zod';

/** Thrown at start-up when the environment does not validate; names every bad variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export interface LoadConfigOptions {
  /** The variables to read; `process.env` by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * A `.env` file to load first (variables already set win). Only used when `env` is not given.
   * Defaults to `.env` in the working directory.
   */
  envFile?: string;
}

/**
 * Reads and validates the environment once, at start-up. This is the only place that reads
 * `process.env`; everything else receives the typed object it returns.
 *
 * Empty strings count as set (so `KAFKA_BROKER=` is refused rather than silently defaulted).
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  options: LoadConfigOptions = {},
): z.infer<S> {
  let env = options.env;
  if (!env) {
    const envFile = options.envFile ?? '.env';
    if (existsSync(envFile)) process.loadEnvFile(envFile);
    env = process.env;
  }
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigValidationError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const raw = typeof issue.path[0] === 'string' ? env[issue.path[0]] : undefined;
      const shown =
        raw === undefined
          ? ''
          : ` (got ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)})`;
      // Never echo a secret back into logs.
      const safeShown = /SECRET|PASSWORD|PRIVATE|JWKS/.test(name) ? '' : shown;
      return `${name}: ${issue.message}${safeShown}`;
    }),
  );
}
