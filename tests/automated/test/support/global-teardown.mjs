/** What the teardown stops; set by the set-up, read here (both run in Jest's parent process). */
export const STARTED_KEY = '__flashSaleStartedServices';

const STOP_TIMEOUT_MS = 20_000;

/**
 * Stops the services the global set-up started, and only those, with SIGTERM (a graceful close,
 * which also lets V8 write coverage), then SIGKILL if one hangs.
 */
export default async function globalTeardown() {
  /** @type {import('./global-setup.mjs').StartedService[]} */
  const started = globalThis[STARTED_KEY] ?? [];
  await Promise.all(
    started.map(async ({ child, name }) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        process.stderr.write(`[automated-tests] ${name} did not stop in time: SIGKILL\n`);
        child.kill('SIGKILL');
      }, STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }),
  );
  started.length = 0;
}
