#!/usr/bin/env node
// Loads the Redis stock counters from MySQL: for every product of inventory-service's catalogue,
// a missing counter is created (with the product's catalogue entry and per-user totals) and a
// counter that differs is set, to MySQL stock minus the units of orders in flight. Counters are
// set by compare-and-set, so orders taken meanwhile are never overwritten. Marks the counters as
// loaded, which lets sales proceed after Redis lost its data. Safe to run at any time.
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
