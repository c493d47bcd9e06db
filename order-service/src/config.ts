import { baseEnvSchema, loadConfig, tokenBucketEnv } from '@flash-sale/common';
import { z } from 'zod';

const count = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

/** Steps of the order pipeline after which a test can make the process die (crash tests). */
export const FAIL_POINTS = ['after-reserve', 'after-insert', 'after-publish'] as const;
export type FailPoint = (typeof FAIL_POINTS)[number];

/**
 * order-service settings: the common ones, where user- and inventory-service live, and the knobs
 * of the order pipeline (batching, outbox relay, reservation expiry, reconciliation, backpressure).
 */
export const orderServiceEnvSchema = baseEnvSchema(
  { port: 3002, database: 'order_service' },
  {
    /**
     * Accepted and validated but not used: the original layout's variable, still set by
     * docker-compose.yml and scripts/start-prod.sh (and named in the design brief). Tokens are
     * verified locally, so order-service never calls user-service; removing it would break none
     * of those, but a deployment that sets a bad value would then start where it failed before.
     */
    USER_SERVICE_URL: z.url().default('http://localhost:3001'),
    /**
     * Kafka consumer group of the inventory answers. Every instance of one deployment shares it;
     * a separate stack on the same broker (an isolated test run) needs its own.
     */
    ORDER_KAFKA_GROUP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 characters of A-Z a-z 0-9 . _ -')
      .default('order-service'),
    /**
     * Where a consumer group with no committed offsets starts. `earliest` (the default) so that a
     * new deployment's group also reads answers produced before it first joined. An isolated
     * stack with a group of its own (a test run) takes `latest` rather than reading the topics'
     * whole history; an answer it misses that way comes again when the relay republishes.
     */
    ORDER_KAFKA_START_FROM: z.enum(['earliest', 'latest']).default('earliest'),
    /** inventory-service's HTTP API: the catalogue and MySQL stock the reconciler compares with. */
    INVENTORY_SERVICE_URL: z.url().default('http://localhost:3003'),
    /** Largest quantity of one order. */
    ORDER_MAX_QUANTITY: count(1, 1_000_000, 10),
    /**
     * `POST /api/orders` writes no log line per request: only errors (5xx), answers slower than
     * this (ms), and the sample below. A line per order cost more CPU than the order's Redis call.
     */
    ORDER_SLOW_REQUEST_MS: count(1, 3_600_000, 1_000),
    /** Share (0 to 1) of the other `POST /api/orders` answers that are logged too (info). */
    ORDER_REQUEST_LOG_SAMPLE: z.coerce
      .number({ error: 'must be a number from 0 to 1' })
      .min(0, 'must be a number from 0 to 1')
      .max(1, 'must be a number from 0 to 1')
      .default(0),
    /**
     * Units of one product one buyer may hold (PENDING or CONFIRMED) when the product sets no
     * `maxPerUser`; 0 = no cap. A flash sale's buyer clicks a few times; a script buys the lot.
     * Load tools that order many times per user give their products an explicit `maxPerUser`.
     */
    ORDER_DEFAULT_MAX_PER_USER: count(0, 1_000_000, 10),
    /**
     * Backpressure: orders of this instance waiting for their INSERT (collected or sent) at which
     * new orders get 503 SERVICE_UNAVAILABLE + Retry-After. Bounds the requests held in memory
     * while MySQL is slow. (Replaces ORDER_MAX_PENDING: unanswered orders are no reason to refuse.)
     */
    ORDER_MAX_WAITING_INSERTS: count(1, 1_000_000, 5_000),
    /** Backpressure: an INSERT unanswered for longer than this refuses new orders likewise. */
    ORDER_MAX_INSERT_WAIT_MS: count(50, 600_000, 2_000),
    /** How long concurrent orders are collected into one multi-row INSERT. */
    ORDER_INSERT_BATCH_MS: count(0, 1_000, 2),
    /** Most rows in one INSERT. */
    ORDER_INSERT_BATCH_SIZE: count(1, 5_000, 200),
    /** A PENDING order not answered within this is published again (inventory is idempotent). */
    ORDER_REPUBLISH_AFTER_MS: count(100, 600_000, 5_000),
    /** How often the outbox relay looks for orders, give-backs and restores that are due. */
    ORDER_RELAY_INTERVAL_MS: count(50, 60_000, 1_000),
    /**
     * How long an instance's outbox relay holds the rows it claimed (publishing, giving back,
     * restoring) before another instance may take them over. The owner ends the lease as soon
     * as the work is done, so this only matters when an instance dies mid-pass: its rows wait
     * this long. The trade-off: a send still hanging when the lease ends (the Kafka send timeout
     * is 30 s) may be repeated by another instance, which is harmless (inventory-service is
     * idempotent per order) but wasted; a longer lease delays a dead instance's rows longer.
     */
    ORDER_RELAY_LEASE_MS: count(500, 600_000, 15_000),
    /** A Redis reservation with no order row after this long is given back. */
    ORDER_RESERVATION_TIMEOUT_MS: count(1_000, 3_600_000, 10_000),
    /** How long a repeated Idempotency-Key is answered from Redis (MySQL keeps it forever). */
    ORDER_IDEMPOTENCY_TTL_SECONDS: count(60, 30 * 86_400, 86_400),
    /** How long a local "sold out" mark lasts at most without a stock-change message. */
    ORDER_SOLD_OUT_TTL_MS: count(0, 600_000, 2_000),
    /** How often Redis counters are compared with MySQL (0 turns the periodic pass off). */
    STOCK_RECONCILE_INTERVAL_MS: count(0, 3_600_000, 10_000),
    /**
     * A drifting counter is repaired only once its product has been quiet this long (no order
     * created or changed): while orders are in flight, MySQL may already hold deductions whose
     * answers have not arrived, and "MySQL stock - pending" would be too low.
     */
    STOCK_REPAIR_QUIET_MS: count(0, 3_600_000, 30_000),
    /**
     * After Redis is found empty, wait this long before rebuilding counters, so orders reserved
     * just before the loss have reached MySQL and are counted.
     */
    STOCK_REBUILD_GRACE_MS: count(0, 60_000, 1_000),
    /**
     * How often each instance compares the Redis reservation sequences with the highest ones the
     * order rows recorded (a Redis restored from an older snapshot is then not sold from); 0 = off.
     */
    STOCK_STALE_CHECK_INTERVAL_MS: count(0, 600_000, 1_000),
    /**
     * Serves the live sale page (`GET /sale`) and its event stream, without a token. Unset: on,
     * except with NODE_ENV=production (sale numbers are not for everyone).
     */
    SALE_PAGE_ENABLED: z.enum(['true', 'false']).optional(),
    /** Test only: die right after this step (refused when NODE_ENV=production). */
    ORDER_FAILPOINT: z.enum(FAIL_POINTS).optional(),
    /** Test only: how many times the fail-point step passes before the process dies. */
    ORDER_FAILPOINT_SKIP: count(0, 1_000_000, 0),
    /**
     * Token bucket of each user on `POST /api/orders` and the cancel route together (a
     * place/cancel loop draws from the same bucket): `"<burst>,<per second>"` or `off`. A person
     * clicks "buy" a few times a second at most; a script does not stop there.
     */
    RATE_LIMIT_ORDERS_PER_USER: tokenBucketEnv('10,2'),
    /**
     * Token bucket of each client address (IPv6: /64) on the same routes. Many buyers share an
     * address (a carrier NAT, an office, a load test on 127.0.0.1), each already held to their
     * own bucket, so this one is wide: it stops one host from flooding, not one buyer.
     */
    RATE_LIMIT_ORDERS_PER_ADDRESS: tokenBucketEnv('10000,2000'),
  },
)
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.ORDER_FAILPOINT !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['ORDER_FAILPOINT'],
        message: 'is a test-only switch and is refused when NODE_ENV=production',
      });
    }
  })
  .transform((env) => ({
    ...env,
    SALE_PAGE_ENABLED:
      env.SALE_PAGE_ENABLED === undefined
        ? env.NODE_ENV !== 'production'
        : env.SALE_PAGE_ENABLED === 'true',
  }));

export type OrderServiceConfig = z.infer<typeof orderServiceEnvSchema>;

export function loadOrderServiceConfig(env?: NodeJS.ProcessEnv): OrderServiceConfig {
  return loadConfig(orderServiceEnvSchema, { env });
}
