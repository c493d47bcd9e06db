// Carrying out one step of the schedule. Each returns once the system is whole again (processes
// back and healthy), with the times (ms since the sale started) the fault began, stopped doing
// harm, and was healed, and what happened.
import { killChaosConnections } from './stack.mjs';
import { sleep, waitFor } from './processes.mjs';

const INSTANCE = {
  'kill-order-a': 'orderA',
  'kill-order-b': 'orderB',
  'kill-inventory-a': 'inventoryA',
  'kill-inventory-b': 'inventoryB',
  'kill-user': 'user',
};

/**
 * @param step one entry of planSchedule()
 * @param ctx {stack, kafka, redis, adminDb, snapshot, now(), log(message)}
 */
export async function runFault(step, ctx) {
  const { stack, kafka, redis, now, log } = ctx;
  const t = { start: now() };
  let note = '';
  if (INSTANCE[step.kind]) {
    const instance = stack[INSTANCE[step.kind]];
    await instance.kill9();
    await sleep(step.downS * 1_000);
    t.faultEnd = now();
    await instance.restart();
    await instance.waitHealthy();
    note = `down ${step.downS} s, restarted`;
  } else if (step.kind.startsWith('failpoint-')) {
    const point = step.kind.slice('failpoint-'.length);
    const instance = stack.orderA;
    await instance.restart(
      { ORDER_FAILPOINT: point, ORDER_FAILPOINT_SKIP: String(step.skip) },
      { expectExit: true },
    );
    // It dies on its own once `skip` orders have passed the step; if the load never sends it
    // that many, it is killed after a minute and the note says so.
    let died = true;
    try {
      await waitFor(`${instance.name} reaching fail-point ${point}`, () => !instance.alive(), {
        timeoutMs: 60_000,
        everyMs: 100,
      });
    } catch {
      died = false;
      await instance.kill9();
    }
    t.faultEnd = now();
    await instance.restart();
    await instance.waitHealthy();
    note = died
      ? `died at ${point} after ${step.skip} orders, restarted`
      : `fail-point ${point} not reached in 60 s: killed -9 instead`;
  } else if (step.kind === 'kafka-pause') {
    kafka.pause();
    await sleep(step.downS * 1_000);
    kafka.resume();
    t.faultEnd = now();
    await waitForServices(stack);
    note = `paused ${step.downS} s`;
  } else if (step.kind === 'kafka-kill') {
    await kafka.kill();
    await sleep(step.downS * 1_000);
    await kafka.start();
    t.faultEnd = now();
    await waitForServices(stack);
    note = `down ${step.downS} s + ${((t.faultEnd - t.start) / 1000 - step.downS).toFixed(1)} s to boot`;
  } else if (step.kind === 'redis-flushall') {
    await redis.flushAll();
    t.faultEnd = now();
    note = 'every key gone';
  } else if (step.kind === 'redis-stale-restore') {
    const snapshot = ctx.snapshot;
    if (!snapshot) throw new Error('no snapshot was taken before redis-stale-restore');
    await redis.restore(snapshot);
    t.faultEnd = now();
    note = `${snapshot.entries.length} keys from t=${((snapshot.takenAt - ctx.saleStart) / 1000).toFixed(1)} s`;
  } else if (step.kind === 'mysql-kill-connections') {
    const killed = await killChaosConnections(ctx.adminDb);
    t.faultEnd = now();
    note = `${killed} connections killed`;
  } else {
    throw new Error(`unknown fault ${step.kind}`);
  }
  t.healed = now();
  log(`${step.kind}: ${note}`);
  return { ...t, note };
}

/**
 * Every instance healthy again (after an infrastructure fault). One that died on its own is being
 * restarted by the run's supervisor meanwhile; this waits for that too.
 */
export async function waitForServices(stack, timeoutMs = 180_000) {
  await waitFor(
    'every service instance healthy',
    async () =>
      (await Promise.all(Object.values(stack).map((i) => i.alive() && i.healthy()))).every(Boolean),
    { timeoutMs, everyMs: 500 },
  );
}
