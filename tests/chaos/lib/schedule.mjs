// The seeded schedule: which faults, in which order, how long each lasts and how far apart they
// are. Pure (no I/O), so the same seed and profile always give the same plan.
import { dice } from './random.mjs';

/**
 * What each fault does and which liveness target applies to it. `class` picks the target:
 *   service-kill / redis-loss: at most 5 s without an accepted order (issue 12);
 *   kafka-outage: 0 s without an accepted order during an outage of up to 60 s (issue 12);
 *   mysql: no target in the issue; reported against the service-kill bound.
 */
export const FAULTS = {
  'kill-order-a': { class: 'service-kill', what: 'kill -9 order-service-a under load, restart it' },
  'kill-order-b': { class: 'service-kill', what: 'kill -9 order-service-b under load, restart it' },
  'failpoint-after-reserve': {
    class: 'service-kill',
    what: 'order-service-a dies right after a Redis reservation (ORDER_FAILPOINT=after-reserve), restart it',
  },
  'failpoint-after-insert': {
    class: 'service-kill',
    what: 'order-service-a dies right after the PENDING insert, before publishing (after-insert), restart it',
  },
  'failpoint-after-publish': {
    class: 'service-kill',
    what: 'order-service-a dies right after publishing, before answering (after-publish), restart it',
  },
  'kill-inventory-a': {
    class: 'service-kill',
    what: 'kill -9 inventory-service-a under load, restart it',
  },
  'kill-inventory-b': {
    class: 'service-kill',
    what: 'kill -9 inventory-service-b under load, restart it',
  },
  'kill-user': { class: 'service-kill', what: 'kill -9 user-service, restart it' },
  'kafka-pause': {
    class: 'kafka-outage',
    what: 'SIGSTOP the Kafka broker, SIGCONT after the pause',
  },
  'kafka-kill': { class: 'kafka-outage', what: 'kill -9 the Kafka broker, restart it' },
  'redis-flushall': { class: 'redis-loss', what: 'Redis FLUSHALL' },
  'redis-stale-restore': {
    class: 'redis-loss',
    what: 'FLUSHALL + RESTORE of every key DUMPed early in the sale (a stale snapshot)',
  },
  'mysql-kill-connections': {
    class: 'mysql',
    what: 'KILL CONNECTION of every chaos service connection (MariaDB itself stays up)',
  },
};

export const PROFILES = {
  /** Part of `npm test`: one of each fault class, short pauses. */
  short: {
    clients: 8,
    thinkMs: 150,
    scarceShare: 0.1,
    cancelShare: 0.05,
    snapshotAtS: 2,
    warmupS: 4,
    gapS: [3, 5],
    downS: [1, 2],
    kafkaPauseS: [6, 9],
    faults: [
      'kill-order-a',
      'kill-inventory-a',
      'kafka-pause',
      'redis-flushall',
      'redis-stale-restore',
      'mysql-kill-connections',
    ],
  },
  /** `npm run chaos`: every fault, Kafka outages up to the 60 s. */
  full: {
    clients: 12,
    thinkMs: 100,
    scarceShare: 0.08,
    cancelShare: 0.05,
    snapshotAtS: 3,
    warmupS: 10,
    gapS: [10, 16],
    downS: [2, 6],
    kafkaPauseS: [30, 55],
    faults: [
      'kill-order-a',
      'kill-order-b',
      'failpoint-after-reserve',
      'failpoint-after-insert',
      'failpoint-after-publish',
      'kill-inventory-a',
      'kill-inventory-b',
      'kill-user',
      'kafka-pause',
      'kafka-kill',
      'redis-flushall',
      'redis-stale-restore',
      'mysql-kill-connections',
    ],
  },
};

/** The plan for `seed` and `profileName`: [{kind, class, what, gapBeforeS, downS?, skip?}]. */
export function planSchedule(seed, profileName) {
  const profile = PROFILES[profileName];
  if (!profile) throw new Error(`unknown profile ${profileName} (short or full)`);
  const rng = dice(seed);
  const order = rng.shuffle(profile.faults);
  // The stale snapshot must be replayed once the sale has moved on (the scarce product sold out):
  // never first.
  const stale = order.indexOf('redis-stale-restore');
  if (stale === 0) order.splice(0, 2, order[1], order[0]);
  const round = (x) => Math.round(x * 10) / 10;
  return order.map((kind) => {
    const step = { kind, ...FAULTS[kind], gapBeforeS: round(rng.between(...profile.gapS)) };
    if (kind === 'kafka-pause') step.downS = round(rng.between(...profile.kafkaPauseS));
    else if (kind.startsWith('kill-') || kind === 'kafka-kill')
      step.downS = round(rng.between(...profile.downS));
    else if (kind.startsWith('failpoint-')) step.skip = rng.int(10, 60);
    return step;
  });
}
