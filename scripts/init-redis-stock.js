#!/usr/bin/env node
// Loads the Redis stock counters from MySQL: for every product of inventory-service's catalogue,
// a missing counter is created (with the product's catalogue entry and per-user totals) and a
// counter that differs is moved to MySQL stock minus the units Redis took and MySQL has not
// (read with inventory-service's deductions in one consistent snapshot, so no deduction is
// subtracted twice) minus admin changes still queued. A drifting counter is moved by a delta, so
// orders taken meanwhile stay counted; fenced by the reconciler lock. Marks the counters as
// loaded, which lets sales proceed after Redis lost its data. Safe to run at any time, during a
// sale included. Exit 0 done, 1 something moved meanwhile (run again), 2 lock held or error.
//
//   node scripts/init-redis-stock.js             (after `npm run build`; order-service's env)
import { runReconciliation, formatResults } from '../order-service/dist/stock/stock-tools.js';

try {
  const { results, catalogueLoaded } = await runReconciliation('repair');
  if (results === null) {
    console.error('init-redis-stock: another reconciliation holds the lock; try again');
    process.exit(2);
  }
  console.log(formatResults(results));
  const skipped = results.filter((r) => r.action === 'repair-skipped');
  console.log(
    `\n${results.length} product(s): ${results.filter((r) => r.action === 'rebuilt').length} rebuilt, ` +
      `${results.filter((r) => r.action === 'repaired' && r.drift !== 0).length} repaired, ` +
      `${skipped.length} moved meanwhile (run again); counters ${catalogueLoaded ? 'loaded' : 'NOT loaded'}`,
  );
  process.exit(skipped.length === 0 && catalogueLoaded ? 0 : 1);
} catch (error) {
  console.error(`init-redis-stock: ${error.message}`);
  process.exit(2);
}
