import { spawn } from 'node:child_process';

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
