import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { Counter, Gauge } from 'prom-client';
import { STOCK_SETTINGS, type StockSettings } from './stock-settings.js';
import { InFlightOrders } from './in-flight-orders.js';
import { InventoryCatalogue, type CatalogueProduct } from './inventory-catalogue.js';
import { KnownSequences } from './known-sequences.js';
import {
  StockCountersStore,
  type DriftMemory,
  type StockSnapshot,
} from './stock-counters.store.js';
import {
  checkCounters,
  movedOutsideSnapshot,
  unexplainedReservations,
  type CounterCheck,
} from './stock-drift.js';
import { RepeatingTask } from '../repeating-task.js';

/**
 * - `check`: compare only, change nothing.
 * - `periodic`: repair a drift seen with the same value on two passes in a row (by any instance:
 *   the memory is in Redis) while its product is quiet (nothing in flight, no order changed for
 *   STOCK_REPAIR_QUIET_MS): a drift that only the interleaving of one pass produced (an edge where
 *   the expected value errs low, see checkCounters) is not acted on. Rebuild a counter missing on
 *   two passes in a row; while Redis is known to have lost its data, rebuild at once (sales wait
 *   for it; erring low is safe).
 * - `repair`: rebuild and repair at once (on demand, and `scripts/init-redis-stock.js`). Safe at
 *   any moment, during a sale included: the expected value is exact or low, never high (see
 *   checkCounters), and the counter is moved by the drift measured at the snapshot (a delta, so
 *   reservations and give-backs made meanwhile stay counted), refused if an admin change was
 *   applied meanwhile.
 */
export type ReconcileMode = 'check' | 'periodic' | 'repair';

export type ReconcileAction =
  | 'none'
  | 'drift-seen'
  | 'repaired'
  | 'repair-skipped'
  | 'rebuilt'
  | 'missing'
  | 'not-ready'
  | 'awaiting-admin';

export interface ReconcileResult extends CounterCheck {
  action: ReconcileAction;
}

/** What one pass collects while it goes through the products. */
interface PassState {
  mode: ReconcileMode;
  /** Whether the counters were known loaded when the pass began. */
  loaded: boolean;
  /** Products whose counter this pass set (announced at the end). */
  changed: string[];
  /** Drift per product left unrepaired, and products whose counter is missing. */
  drifts: Map<string, number>;
  missing: Set<string>;
  /** False when some product could not be settled (the catalogue is then not marked loaded). */
  complete: boolean;
  /** The highest reservation sequence the order rows recorded, per product. */
  sequences: Map<string, number>;
  /** The fence token of the lock this pass holds (writes carry it; 0 for `check`). */
  fence: number;
}

/**
 * How far above the highest sequence MySQL recorded a rebuilt counter's sequence starts: above
 * every sequence the lost Redis handed out, including reservations whose orders were never
 * recorded (a handful at most), so that no instance that saw one takes the rebuilt Redis for a
 * stale one.
 */
export const SEQUENCE_GAP = 1_000_000;

/**
 * The reconciler lock's lease, renewed every third of it while a pass runs (a rebuild may wait
 * several seconds for PENDING orders). Short, so that an instance killed mid-pass holds up the
 * rebuild of a lost or stale Redis on the other instances for seconds, not a minute. Not shorter:
 * a holder whose event loop stalls past it keeps going, and of its writes only the repairs are
 * fenced (adjust-counter.lua); resets and rebuilds are compare-and-set on the counter or
 * create-if-missing, which another pass's writes make fail but do not always catch.
 */
const LOCK_TTL_MS = 6_000;
/** Longest wait for PENDING orders to be answered before counters are rebuilt. */
const DRAIN_WAIT_MS = 5_000;
/**
 * Only orders placed this recently are waited for: their answers normally land within a second.
 * An older PENDING order (Kafka down, a lost answer) would hold every rebuild for the whole
 * DRAIN_WAIT_MS while waiting could not settle it; it is counted as in flight instead (errs low,
 * the quiet repair raises the counter once it settles).
 */
const DRAIN_RECENT_MS = 10_000;

/**
 * Keeps the Redis counters honest: compares each with MySQL stock minus the units in flight
 * (see {@link checkCounters}), exports and logs the drift, and repairs it with a compare-and-set
 * so an order reserved meanwhile is never overwritten. Rebuilds counters that Redis lost, from
 * MySQL, before the product sells again (until then orders answer 503). One instance at a time
 * (a Redis lock); periodic, and on demand.
 */
@Injectable()
export class StockReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StockReconciler.name);
  private readonly driftGauge: Gauge | undefined;
  private readonly driftingProducts: Gauge | undefined;
  private readonly repairs: Counter<'kind'> | undefined;
  private readonly task: RepeatingTask;
  private readonly staleCheck: RepeatingTask;
  private readonly staleFound: Counter | undefined;
  private readonly staleChecks: Counter | undefined;
  private readonly sequences: KnownSequences;
  private running: Promise<unknown> | undefined;
  private rebuildRequested = false;
  private stopped = false;

  constructor(
    private readonly store: StockCountersStore,
    private readonly orders: InFlightOrders,
    private readonly catalogue: InventoryCatalogue,
    @Inject(STOCK_SETTINGS)
    private readonly settings: Pick<
      StockSettings,
      | 'reconcileIntervalMs'
      | 'rebuildGraceMs'
      | 'repairQuietMs'
      | 'staleCheckIntervalMs'
      | 'defaultMaxPerUser'
    >,
    @Optional() metrics?: MetricsService,
    @Optional() sequences?: KnownSequences,
  ) {
    this.sequences = sequences ?? new KnownSequences();
    this.task = new RepeatingTask(
      () => this.runExclusive('periodic'),
      settings.reconcileIntervalMs,
      // runExclusive logs its own failures and never throws.
      () => undefined,
    );
    this.staleCheck = new RepeatingTask(
      () => this.checkStale(),
      settings.staleCheckIntervalMs,
      // checkStale logs its own failures and never throws.
      () => undefined,
    );
    if (metrics) {
      this.staleChecks = new Counter({
        name: 'stock_stale_checks_total',
        help: "Completed comparisons of Redis's reservation sequences with MySQL's (every instance)",
        registers: [metrics.registry],
      });
      this.staleFound = new Counter({
        name: 'stock_stale_redis_total',
        help:
          'Products whose Redis reservation sequence was found below the highest one MySQL ' +
          'recorded (Redis went back to older data); each is rebuilt before it sells again',
        registers: [metrics.registry],
      });
      // No product label: one series per product would grow without bound with the catalogue.
      // Which products drift, and by how much, is in the reconciler's log lines and in
      // POST /api/stock/reconcile's answer.
      this.driftGauge = new Gauge({
        name: 'stock_counter_drift',
        help:
          'Units by which the Redis counters differ from MySQL stock - units in flight, summed ' +
          'over products (absolute), at the last reconciliation',
        // Every worker reconciles every product: a pool's primary keeps the largest, not the sum.
        aggregator: 'max',
        registers: [metrics.registry],
      });
      this.driftingProducts = new Gauge({
        name: 'stock_counter_drift_products',
        help: 'Products whose Redis counter differed from MySQL at the last reconciliation',
        // Every worker reconciles every product: a pool's primary keeps the largest, not the sum.
        aggregator: 'max',
        registers: [metrics.registry],
      });
      this.repairs = new Counter({
        name: 'stock_counter_repairs_total',
        help: 'Redis counters repaired or rebuilt by the reconciler',
        labelNames: ['kind'],
        registers: [metrics.registry],
      });
    }
  }

  onApplicationBootstrap(): void {
    // Every instance checks (cheap: one indexed query, one Redis round trip), so a stale Redis is
    // caught even by instances that never sold the product.
    if (this.settings.staleCheckIntervalMs > 0) this.staleCheck.start(0);
    // The first pass at boot, not on the first order: on an empty Redis it loads the counters
    // from MySQL, and the service reports ready (`/api/health/ready`) only once they are loaded.
    // Even with the periodic pass off.
    if (this.settings.reconcileIntervalMs === 0) this.requestRebuild();
    else this.task.start(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.staleCheck.stop();
    await this.task.stop();
    await this.running?.catch(() => undefined);
  }

  /**
   * Asks for a pass as soon as possible (the hot path found a counter or a catalogue entry
   * missing). Coalesced: one pass serves every request made before it starts.
   */
  requestRebuild(): void {
    if (this.rebuildRequested || this.stopped) return;
    this.rebuildRequested = true;
    setTimeout(() => {
      void this.runExclusive('periodic').finally(() => {
        this.rebuildRequested = false;
      });
    }, 0).unref();
  }

  /**
   * Compares every product's Redis reservation sequence with the highest one its order rows
   * recorded (MySQL first, then Redis: a reservation in between only raises Redis, so this never
   * takes a live Redis for a stale one). A product found behind stops selling at once (its ready
   * flag goes) and is rebuilt. Also teaches this process the recorded sequences, so its own
   * reservations catch a Redis that goes back later. Never throws; returns the stale products.
   */
  async checkStale(): Promise<string[]> {
    try {
      const recorded = await this.orders.highestSequences();
      for (const [productId, sequence] of recorded) this.sequences.saw(productId, sequence);
      const stale = await this.store.markStale(recorded);
      if (stale.length > 0) {
        this.staleFound?.inc(stale.length);
        this.logger.warn(
          `Redis went back in time for ${stale.join(', ')} (sequence below MySQL's): not selling ` +
            'until rebuilt from MySQL',
        );
        this.requestRebuild();
      }
      this.staleChecks?.inc();
      return stale;
    } catch (error) {
      this.logger.warn(`stale-Redis check failed: ${(error as Error).message}`);
      return [];
    }
  }

  /** One pass now; waits up to `waitMs` for another instance's pass to finish. */
  async reconcile(mode: ReconcileMode, waitMs = 10_000): Promise<ReconcileResult[] | null> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const result = await this.runExclusive(mode);
      if (result !== null || Date.now() >= deadline) return result;
      await sleep(200);
    }
  }

  /** Runs a pass under the Redis lock; null when another pass holds it. Never throws. */
  private async runExclusive(mode: ReconcileMode): Promise<ReconcileResult[] | null> {
    while (this.running) await this.running.catch(() => undefined);
    const pass = (async () => {
      try {
        if (mode === 'check') return await this.pass(mode);
        const fence = await this.store.acquireReconcilerLock(LOCK_TTL_MS);
        if (fence === null) return null;
        const renewal = setInterval(() => {
          this.store.extendReconcilerLock(fence, LOCK_TTL_MS).catch((error: Error) => {
            this.logger.warn(`could not renew the reconciler lock: ${error.message}`);
          });
        }, LOCK_TTL_MS / 3);
        renewal.unref();
        try {
          return await this.pass(mode, fence);
        } finally {
          clearInterval(renewal);
          await this.store.releaseReconcilerLock(fence);
        }
      } catch (error) {
        this.logger.warn(`stock reconciliation failed: ${(error as Error).message}`);
        return null;
      }
    })();
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = undefined;
    }
  }

  private async isQuiet(check: CounterCheck): Promise<boolean> {
    if (check.inFlight !== 0) return false;
    return !(await this.orders.changedRecently(check.productId, this.settings.repairQuietMs));
  }

  /**
   * The pass itself; exported through {@link reconcile} and used by the ops scripts. A mode that
   * writes needs the fence token of the reconciler lock it holds.
   */
  async pass(mode: ReconcileMode, fence = 0): Promise<ReconcileResult[]> {
    if (mode !== 'check' && fence <= 0) throw new Error('a writing pass needs the lock');
    const loaded = await this.store.isCatalogueLoaded();
    if (!loaded && mode !== 'check') {
      // Orders reserved just before Redis lost its data are still being recorded: let them land
      // in MySQL first, so they are counted.
      await sleep(this.settings.rebuildGraceMs);
      // Nothing new can be accepted without counters, so the PENDING orders only drain: wait a
      // little for the answers of those just placed (fewer orders to look up in the ledger).
      const deadline = Date.now() + DRAIN_WAIT_MS;
      while (Date.now() < deadline && (await this.orders.countRecentPending(DRAIN_RECENT_MS)) > 0) {
        await sleep(100);
      }
    }
    // Read order matters (see checkCounters): the catalogue, inventory-service's ledger mark, the
    // unsettled orders, Redis, inventory-service's snapshot, then the order rows.
    const listed = await this.catalogue.fetchAll();
    // Products created before the index existed, or after Redis lost it, are listed again.
    await this.store.indexProducts(listed.map((p) => p.productId));
    const mark = await this.catalogue.fetchLedgerPosition();
    const unsettled = await this.orders.findUnsettled();
    const snapshots = await this.store.snapshot(listed.map((p) => p.productId));
    if (loaded && mode !== 'check' && snapshots.some((s) => s.counter !== null && !s.ready)) {
      // A counter not to be trusted (found stale, or new): orders reserved from the stale data
      // just before it was caught are still being recorded; let them land in MySQL first.
      await sleep(this.settings.rebuildGraceMs);
    }
    const asked = new Set(unsettled.map((o) => o.id));
    for (const snapshot of snapshots) for (const r of snapshot.reservations) asked.add(r.orderId);
    const inventory = await this.catalogue.fetchSnapshot([...asked], mark);
    // Orders recorded while MySQL stock was read are not in it: count them too (errs low). Needed
    // for every counter not to be trusted: lost with Redis's data, and also found stale or new
    // (not ready) while the catalogue is loaded. There a reservation whose row the sweeper or a
    // late insert wrote after the first read is neither unsettled nor "without an order row", and
    // was left out: the counter was set too high by its units, and its give-back then added them
    // again (seen in redis-cluster.e2e-spec.ts).
    const untrusted = snapshots.some((s) => s.counter === null || !s.ready);
    const lateUnsettled =
      loaded && !untrusted
        ? []
        : (await this.orders.findUnsettled()).filter((o) => o.kind !== 'restore-due');
    const movements = [...inventory.movements.values()];
    const sequences = await this.orders.sequencesOf(
      movedOutsideSnapshot(snapshots, unsettled, movements),
    );
    const recorded = await this.orders.existing(unexplainedReservations(snapshots, unsettled));
    // Products deleted since the listing are left out; the stock is the snapshot's.
    const current = listed
      .filter((p) => inventory.stock.has(p.productId))
      .map((p) => ({ ...p, stock: inventory.stock.get(p.productId) as number }));
    const checks = checkCounters({
      mysqlStock: inventory.stock,
      snapshots,
      unsettled,
      lateUnsettled,
      recorded,
      movements,
      sequences,
      queued: inventory.queued,
    });
    const memory =
      mode === 'periodic'
        ? await this.store.readDriftMemory()
        : { drifts: new Map<string, number>(), missing: new Set<string>() };

    const byId = new Map<string, CatalogueProduct>(current.map((p) => [p.productId, p]));

    const pass: PassState = {
      mode,
      loaded,
      changed: [],
      drifts: new Map(),
      missing: new Set(),
      complete: true,
      sequences:
        mode === 'check' ? new Map<string, number>() : await this.orders.highestSequences(),
      fence,
    };
    const results: ReconcileResult[] = [];
    for (const check of checks) {
      const product = byId.get(check.productId) as CatalogueProduct;
      const snapshot = snapshots.find((s) => s.productId === check.productId);
      // Set as the product's handling goes, so a failure part-way still reports how far it got.
      const outcome: { action: ReconcileAction } = { action: 'none' };
      try {
        await this.settle(check, product, snapshot, pass, memory, outcome);
      } catch (error) {
        pass.complete = false;
        this.logger.warn(`reconciling ${check.productId} failed: ${(error as Error).message}`);
      }
      const { action } = outcome;
      if (action !== 'none' && !(action === 'repaired' && check.drift === 0)) {
        this.logger.log(
          `stock ${check.productId}: counter ${check.counter ?? 'missing'}, MySQL ${check.mysqlStock}, ` +
            `in flight ${check.inFlight}, expected ${check.expected}, drift ${check.drift}: ${action}`,
        );
      }
      results.push({ ...check, action });
    }
    const drifting = checks.filter((check) => check.counter !== null && check.drift !== 0);
    this.driftGauge?.set(drifting.reduce((units, check) => units + Math.abs(check.drift), 0));
    this.driftingProducts?.set(drifting.length);
    if (mode === 'periodic') {
      await this.store.writeDriftMemory(
        { drifts: pass.drifts, missing: pass.missing },
        Math.max(this.settings.reconcileIntervalMs * 5, 60_000),
      );
    }
    if (mode !== 'check') {
      if (pass.changed.length > 0) await this.store.publishStockChanged(pass.changed);
      if (!loaded && pass.complete) {
        await this.store.markCatalogueLoaded();
        this.logger.log(`stock counters loaded from MySQL (${checks.length} products)`);
      }
    }
    return results;
  }

  /** Decides and does what one product's check calls for (see {@link ReconcileMode}). */
  private async settle(
    check: CounterCheck,
    product: CatalogueProduct,
    snapshot: StockSnapshot | undefined,
    pass: PassState,
    memory: DriftMemory,
    outcome: { action: ReconcileAction },
  ): Promise<void> {
    const { mode } = pass;
    if (check.awaitingAdmin) {
      // An admin change that sets or removes this counter is on its way: it decides.
      outcome.action = 'awaiting-admin';
      pass.complete = false;
      return;
    }
    if (check.counter === null) {
      pass.missing.add(check.productId);
      outcome.action = 'missing';
      const rebuildNow =
        mode === 'repair' ||
        (mode === 'periodic' && (!pass.loaded || memory.missing.has(check.productId)));
      if (rebuildNow) await this.rebuild(check, product, pass, outcome);
      return;
    }
    if (mode !== 'check' && Object.keys(snapshot?.product ?? {}).length === 0) {
      await this.store.ensureProduct(product);
    }
    if (check.drift !== 0) pass.drifts.set(check.productId, check.drift);
    if (!snapshot?.ready) {
      // Not sellable yet (a new product, or a counter that reappeared after Redis lost its
      // data): nothing moves it but admin changes, so set it right now.
      outcome.action = 'not-ready';
      if (mode !== 'check' && !(await this.reset(check, product, check.counter, pass, outcome)))
        pass.complete = false;
    } else if (check.drift !== 0) {
      outcome.action = 'drift-seen';
      const repairNow =
        mode === 'repair' ||
        (mode === 'periodic' &&
          memory.drifts.get(check.productId) === check.drift &&
          (await this.isQuiet(check)));
      if (repairNow && snapshot) await this.repair(check, snapshot, pass, outcome);
    }
  }

  /** Recreates a missing counter from MySQL, with its catalogue entry and per-user totals. */
  private async rebuild(
    check: CounterCheck,
    product: CatalogueProduct,
    pass: PassState,
    outcome: { action: ReconcileAction },
  ): Promise<void> {
    const held = await this.heldByUser(product);
    const lowest = (pass.sequences.get(check.productId) ?? 0) + SEQUENCE_GAP;
    if (await this.store.rebuildProduct(product, check.expected, held, lowest)) {
      outcome.action = 'rebuilt';
      pass.changed.push(check.productId);
      this.repairs?.inc({ kind: 'rebuilt' });
    } else {
      outcome.action = 'repair-skipped';
      pass.complete = false;
    }
  }

  /** Units each buyer holds, from MySQL, when the product is capped (its own cap or the default). */
  private heldByUser(product: CatalogueProduct): Promise<Map<string, number>> {
    return product.maxPerUser || this.settings.defaultMaxPerUser > 0
      ? this.orders.heldByUser(product.productId)
      : Promise.resolve(new Map<string, number>());
  }

  /**
   * Sets a counter that is not trusted (new, or found stale) to its expected value by
   * compare-and-set, with per-user totals from MySQL and a sequence above every recorded one, and
   * marks it ready; false when it moved meanwhile.
   */
  private async reset(
    check: CounterCheck,
    product: CatalogueProduct,
    observed: number,
    pass: PassState,
    outcome: { action: ReconcileAction },
  ): Promise<boolean> {
    const held = await this.heldByUser(product);
    const recorded = pass.sequences.get(check.productId);
    const lowest = recorded === undefined ? null : recorded + SEQUENCE_GAP;
    const ok = await this.store.resetProduct(
      check.productId,
      observed,
      check.expected,
      held,
      lowest,
    );
    outcome.action = ok ? 'repaired' : 'repair-skipped';
    if (ok) {
      pass.changed.push(check.productId);
      pass.drifts.delete(check.productId);
      if (check.drift !== 0) this.repairs?.inc({ kind: 'repaired' });
    }
    return ok;
  }

  /**
   * Moves a ready counter by the drift measured at its snapshot (fenced, see adjust-counter.lua);
   * false when refused: an admin change applied meanwhile (the next pass sees it), or a reconciler
   * with a newer lock wrote the counter.
   */
  private async repair(
    check: CounterCheck,
    snapshot: StockSnapshot,
    pass: PassState,
    outcome: { action: ReconcileAction },
  ): Promise<boolean> {
    const result = await this.store.adjustCounter(
      check.productId,
      snapshot.appliedChangeId,
      check.drift,
      pass.fence,
    );
    const ok = result.kind === 'adjusted';
    outcome.action = ok ? 'repaired' : 'repair-skipped';
    if (result.kind === 'fenced') {
      this.logger.warn(`repair of ${check.productId} refused: a newer reconciler holds the lock`);
    }
    if (ok) {
      pass.changed.push(check.productId);
      pass.drifts.delete(check.productId);
      if (check.drift !== 0) this.repairs?.inc({ kind: 'repaired' });
    } else {
      pass.complete = false;
    }
    return ok;
  }
}
