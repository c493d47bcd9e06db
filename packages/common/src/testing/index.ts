import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BaseEnv } from '../config/env.schema.js';
import { createApp } from '../http/create-app.js';
import type { ServiceInfo } from '../http/service-info.controller.js';

/**
 * Builds a service exactly as `main.ts` does, ready for `supertest(app.getHttpServer())` without
 * opening a port. The caller closes it.
 */
export async function createTestApp(
  module: DynamicModule,
  config: BaseEnv,
  info: ServiceInfo,
): Promise<NestFastifyApplication> {
  const app = await createApp(module, config, { info, description: `${info.name} (test)` });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** What a process printed and how it ended. */
export interface ProcessOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Jest timeout for a test that waits for {@link runNode}: longer than its own kill timeout.
 * Jest's default 5 s is not enough for a service to load and refuse its configuration on a busy
 * machine (15-19 s were seen on 2 cores shared with other test runs, on Node 20 and 24 alike).
 */
export const RUN_NODE_TEST_TIMEOUT_MS = 60_000;

/**
 * Runs `node <script>` with exactly `env` (plus PATH) and returns how it ended; kills it after
 * `timeoutMs`. For start-up tests that expect a refusal.
 */
export function runNode(
  script: string,
  env: Record<string, string>,
  timeoutMs = 45_000,
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

export { describeOperationalEndpoints } from './operational-endpoints.js';
export { describeDependencyOutages } from './dependency-outages.js';
